//! The emulator's integration tests, one binary: each module drives one service (or the front
//! door) through the real aws-sdk clients against an in-process emulator on an ephemeral port.

mod cloudformation;
mod cloudformation_import;
mod compaction;
mod dynamodb;
mod events;
mod front_door;
mod front_door_fuzz;
mod iam;
mod lambda;
mod lambda_runtimes;
mod logs;
mod pause_resume;
mod pause_resume_kit;
mod robustness;
mod s3;
mod s3_multipart;
mod stepfunctions;
mod stepfunctions_integrations;
mod stepfunctions_jsonata;
mod stepfunctions_nested;
mod stepfunctions_redrive;
mod sts;
mod test_state;

//! Embedded AWS emulator (Step Functions, Lambda, DynamoDB, EventBridge, IAM, S3, STS, Logs,
//! CloudFormation) speaking the real AWS wire protocols. Not built yet: see the README's roadmap.

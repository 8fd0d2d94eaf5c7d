use super::*;

fn full(suffix: &str) -> ResumerEntry {
    ResumerEntry {
        name_suffix: suffix.to_string(),
        event_pattern: Some(r#"{"source": ["orders"]}"#.into()),
        path_to_id_pause_task: Some("$.orderId".into()),
        path_to_id_workflow: Some("$.detail.orderId".into()),
        ..ResumerEntry::default()
    }
}

fn usage_message(result: CliResult<impl std::fmt::Debug>) -> String {
    match result {
        Err(CliError::Usage(m)) => m,
        other => panic!("expected a usage error, got {other:?}"),
    }
}

#[test]
fn a_complete_entry_validates_with_retain_by_default() {
    let resumer = full("orders").validate().unwrap();
    assert_eq!(resumer.stack_name(), "sfn-resume-orders");
    assert_eq!(resumer.machine_name(), "sfn-resume-orders_orders");
    assert_eq!(resumer.removal_policy, RemovalPolicy::Retain);
    assert_eq!(
        resumer.removal_policy.deletion_policy(),
        "RetainExceptOnCreate"
    );
    assert_eq!(resumer.event_pattern["source"][0], "orders");
}

#[test]
fn destroy_maps_to_delete_and_other_policies_are_refused() {
    let mut entry = full("orders");
    entry.removal_policy = Some("destroy".into());
    assert_eq!(
        entry.validate().unwrap().removal_policy.deletion_policy(),
        "Delete"
    );
    entry.removal_policy = Some("Delete".into());
    assert!(usage_message(entry.validate()).contains("retain"));
}

#[test]
fn suffixes_must_make_valid_stack_and_machine_names() {
    for bad in ["", "my_orders", "a b", "ü", "x.y"] {
        let message = usage_message(full(bad).validate());
        assert!(message.contains("invalid name suffix"), "{bad}: {message}");
    }
    assert!(full("Orders-2").validate().is_ok());
    // sfn-resume-<s>_<s> must fit in 80 characters: 34 does, 35 does not.
    assert!(full(&"a".repeat(34)).validate().is_ok());
    assert!(usage_message(full(&"a".repeat(35)).validate()).contains("too long"));
    assert!(usage_message(full(&"a".repeat(200)).validate()).contains("128"));
}

#[test]
fn patterns_are_checked_by_the_eventbridge_validator() {
    let mut entry = full("orders");
    entry.event_pattern = Some("{not json".into());
    assert!(usage_message(entry.validate()).contains("not JSON"));
    entry.event_pattern = Some(r#"{"source": "orders"}"#.into());
    assert!(usage_message(entry.validate()).contains("Event pattern is not valid"));
    entry.event_pattern = Some(r#"{"source": ["orders"]}"#.into());
    entry.failure_event_pattern = Some(r#"{"detail": {"n": [{"numeric": [">"]}]}}"#.into());
    assert!(usage_message(entry.validate()).contains("failure_event_pattern"));
}

#[test]
fn paths_must_be_reference_paths() {
    let mut entry = full("orders");
    entry.path_to_id_workflow = Some("detail.orderId".into());
    assert!(usage_message(entry.validate()).contains("path_to_id_workflow"));
    entry.path_to_id_workflow = Some("$.detail.orderId".into());
    entry.path_to_id_pause_task = Some("$..orderId".into());
    assert!(usage_message(entry.validate()).contains("path_to_id_pause_task"));
}

#[test]
fn missing_fields_say_which_flag_to_give() {
    let mut entry = full("orders");
    entry.event_pattern = None;
    assert!(usage_message(entry.validate()).contains("--event-pattern"));
    // The pause task needs no pattern.
    assert_eq!(
        entry.validate_pause().unwrap().path_to_id_pause_task,
        "$.orderId"
    );
}

#[test]
fn config_files_reject_unknown_keys_and_missing_suffixes() {
    let err =
        parse_config("[[resumer]]\nname_suffix = \"a\"\nevent_patern = \"{}\"\n").unwrap_err();
    assert!(err.contains("event_patern"), "{err}");
    let err = parse_config("[[resumer]]\nevent_pattern = \"{}\"\n").unwrap_err();
    assert!(err.contains("name_suffix"), "{err}");
    let err = parse_config("[[resumer]]\nname_suffix = \"a\"\n[[resumer]]\nname_suffix = \"a\"\n")
        .unwrap_err();
    assert!(err.contains("more than one"), "{err}");
}

#[test]
fn flags_override_the_file_entry() {
    let config = parse_config(
        r#"
[[resumer]]
name_suffix = "orders"
event_pattern = '{"source": ["file"]}'
path_to_id_pause_task = "$.id"
path_to_id_workflow = "$.detail.id"
removal_policy = "destroy"
timeout_seconds = 30
tags = { team = "shop" }
"#,
    )
    .unwrap();
    let flags = Overrides {
        event_pattern: Some(r#"{"source": ["flag"]}"#.into()),
        timeout_seconds: Some(99),
        ..Overrides::default()
    };
    let resumer = resolve(&config, "orders", &flags).validate().unwrap();
    assert_eq!(resumer.event_pattern["source"][0], "flag");
    assert_eq!(resumer.pause.timeout_seconds, Some(99));
    assert_eq!(resumer.removal_policy, RemovalPolicy::Destroy);
    assert_eq!(resumer.tags["team"], "shop");
    // A suffix not in the file is defined by the flags alone.
    let other = resolve(&config, "other", &flags);
    assert_eq!(other.path_to_id_pause_task, None);
}

#[test]
fn the_arrival_window_defaults_to_a_day_and_must_be_one_second_to_a_year() {
    let mut entry = full("orders");
    assert_eq!(entry.validate().unwrap().arrival_window_seconds, 86_400);
    for good in [1, 31_536_000] {
        entry.arrival_window_seconds = Some(good);
        assert_eq!(entry.validate().unwrap().arrival_window_seconds, good);
    }
    for bad in [0, 31_536_001] {
        entry.arrival_window_seconds = Some(bad);
        let message = usage_message(entry.validate());
        assert!(
            message.contains("arrival_window_seconds") && message.contains("1 to 31536000"),
            "{message}"
        );
    }
    let flags = Overrides {
        arrival_window_seconds: Some(5),
        ..Overrides::default()
    };
    let config = ConfigFile {
        resumer: vec![ResumerEntry {
            arrival_window_seconds: Some(60),
            ..full("orders")
        }],
    };
    assert_eq!(
        resolve(&config, "orders", &Overrides::default()).arrival_window_seconds,
        Some(60)
    );
    assert_eq!(
        resolve(&config, "orders", &flags).arrival_window_seconds,
        Some(5)
    );
}

#[test]
fn overlapping_success_and_failure_patterns_are_refused_with_an_event_of_both() {
    let mut entry = full("pay");
    entry.event_pattern = Some(r#"{"source": ["pay"]}"#.into());
    entry.failure_event_pattern =
        Some(r#"{"source": ["pay"], "detail": {"status": ["declined"]}}"#.into());
    let m = usage_message(entry.validate());
    assert!(m.contains("both match the event"), "{m}");
    assert!(
        m.contains(r#"{"detail":{"status":"declined"},"source":"pay"}"#),
        "{m}"
    );

    entry.event_pattern = Some(r#"{"source": ["pay"], "detail": {"status": ["ok"]}}"#.into());
    assert!(entry.validate().is_ok());
}

#[test]
fn a_pattern_over_eventbridges_length_limit_is_refused() {
    let mut entry = full("big");
    let values: Vec<String> = (0..600).map(|i| format!("\"source-{i}\"")).collect();
    entry.event_pattern = Some(format!(r#"{{"source": [{}]}}"#, values.join(",")));
    let m = usage_message(entry.validate());
    assert!(m.contains("at most 4096"), "{m}");
    assert!(m.contains("event_pattern"), "{m}");
}

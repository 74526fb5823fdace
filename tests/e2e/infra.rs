//! The SAM template and the Slack manifest stay in step with the code.

fn template() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../infra/template.yaml"
    ))
    .unwrap()
}

#[test]
fn infra_template_matches_the_code() {
    let t = template();
    use hallway::table::{GSI1, GSI1_PK, GSI1_SK, PK, SK, TTL};
    for attr in [PK, SK, GSI1_PK, GSI1_SK] {
        assert!(
            t.contains(&format!("AttributeName: {attr}\n")),
            "table attribute {attr}"
        );
    }
    assert!(t.contains(&format!("IndexName: {GSI1}\n")));
    assert!(
        t.contains(&format!("AttributeName: {TTL}\n        Enabled: true")),
        "TTL on {TTL}"
    );
    use hallway::config::{APP_URL, BASE_URL, COMMAND, QUEUE_URL, SECRET_ID, SLACK_URL, TABLE};
    for var in [
        BASE_URL, APP_URL, TABLE, QUEUE_URL, SECRET_ID, SLACK_URL, COMMAND,
    ] {
        assert!(
            t.contains(&format!("        {var}: ")),
            "environment variable {var}"
        );
    }
    for key in [
        hallway::secrets::SIGNING_SECRET,
        hallway::secrets::CLIENT_ID,
        hallway::secrets::CLIENT_SECRET,
        hallway::secrets::TOKEN_KEY,
        hallway::secrets::APP_JWT_SECRET,
    ] {
        assert!(t.contains(key), "the secret's documented keys name {key}");
    }
    assert!(t.contains(&format!("Path: {}\n", hallway_events::PATH)));
    use hallway::slack::oauth::{
        INSTALL_PATH, JOIN_PATH, LOGIN_CALLBACK_PATH, LOGIN_PATH, OAUTH_CALLBACK_PATH,
    };
    for path in [
        INSTALL_PATH,
        OAUTH_CALLBACK_PATH,
        LOGIN_PATH,
        LOGIN_CALLBACK_PATH,
    ] {
        assert!(t.contains(&format!("Path: {path}\n")), "route {path}");
    }
    assert!(t.contains(&format!("Path: {JOIN_PATH}/{{token}}\n")));
    assert!(t.contains("Path: /api/v1/{proxy+}\n"));
    for path in [
        hallway_commands::COMMANDS_PATH,
        hallway_commands::INTERACTIVITY_PATH,
    ] {
        assert!(t.contains(&format!("Path: {path}\n")), "route {path}");
    }
    for binary in ["hallway-oauth", "hallway-api", "hallway-commands"] {
        assert!(t.contains(&format!("Binary: {binary}")), "{binary}");
    }
    assert!(t.contains("Binary: hallway-events") && t.contains("Binary: hallway-worker"));
    assert!(t.contains("ReportBatchItemFailures"));
    // The HTTP API answers the office app's origin as the API function does.
    let api = resource(&t, "HttpApi");
    assert!(api.contains("CorsConfiguration:"), "{api}");
    assert!(
        api.contains(&format!("MaxAge: {}\n", hallway_api::CORS_MAX_AGE_SECS)),
        "{api}"
    );
    assert!(api.contains("AllowHeaders: [authorization, content-type]"));
    assert!(api.contains("AllowMethods: [GET, POST, PUT, PATCH, DELETE]"));
    assert!(api.contains("AccessLogSettings:"));
    // The functions' embedded metrics go to the stack's namespace, and the
    // Slack error-rate alarm reads the metrics the code writes.
    assert!(t.contains(&format!(
        "{}: !Sub \"hallway/${{AWS::StackName}}\"",
        hallway::metrics::NAMESPACE_VAR
    )));
    for metric in ["MetricName: SlackErrors", "MetricName: SlackCalls"] {
        assert!(t.contains(metric), "{metric}");
    }
    for alarm in [
        "QueueAgeAlarm",
        "ThrottlesAlarm",
        "SlackErrorRateAlarm",
        "DeadLettersAlarm",
    ] {
        assert!(
            resource(&t, alarm).contains("AlarmActions: !If [HasAlarmTopic"),
            "{alarm} tells the alarm topic"
        );
    }
    // The worker's timeout and the queue's figures are the code's, and the
    // local bundle's queue behaves like the deployed one.
    let worker = resource(&t, "WorkerFunction");
    assert!(
        worker.contains(&format!(
            "Timeout: {}\n",
            hallway::queue::WORKER_TIMEOUT.as_secs()
        )),
        "{worker}"
    );
    assert_eq!(
        hallway::queue::VISIBILITY_TIMEOUT,
        6 * hallway::queue::WORKER_TIMEOUT
    );
    assert!(worker.contains("HALLWAY_DEAD_LETTER_QUEUE_URL: !Ref JobsDeadLetterQueue"));
    let local = hallway_local::bundle::VISIBILITY.as_secs();
    assert!(t.contains(&format!("VisibilityTimeout: {local}\n")));
    assert!(t.contains(&format!(
        "maxReceiveCount: {}\n",
        hallway_local::bundle::MAX_RECEIVES
    )));
}

#[test]
fn the_command_name_parameter_matches_the_code() {
    let t = template();
    let param = resource(&t, "CommandName");
    assert!(
        param.contains(&format!("Default: {}\n", hallway::config::DEFAULT_COMMAND)),
        "{param}"
    );
    // The pattern CloudFormation checks is the one the function checks at
    // init, so a stack that deploys never fails its own start-up.
    assert!(param.contains(r#"AllowedPattern: "^/[a-z0-9_-]{1,31}$""#));
    for ok in [
        "/hallway",
        "/a",
        "/office_2-x",
        "/a234567890123456789012345678901",
    ] {
        assert!(hallway::config::parse_command(ok).is_ok(), "{ok}");
    }
    for bad in [
        "hallway",
        "/",
        "/A",
        "/a b",
        "/a2345678901234567890123456789012",
    ] {
        assert!(hallway::config::parse_command(bad).is_err(), "{bad}");
    }
    assert!(t.contains("HALLWAY_COMMAND: !Ref CommandName"));
    assert!(resource(&t, "SlashCommand").contains("Value: !Ref CommandName"));
}

/// One resource's block of the template: its line and every line after it
/// indented deeper than two spaces.
fn resource<'t>(t: &'t str, name: &str) -> &'t str {
    let start = t
        .find(&format!("\n  {name}:\n"))
        .unwrap_or_else(|| panic!("resource {name}"))
        + 1;
    let body = &t[start..];
    let mut len = body.find('\n').map_or(body.len(), |i| i + 1);
    for line in body[len..].split_inclusive('\n') {
        let next_resource = line.starts_with("  ") && !line.starts_with("   ");
        if next_resource || !(line.starts_with("   ") || line.trim().is_empty()) {
            break;
        }
        len += line.len();
    }
    &body[..len]
}

#[test]
fn every_function_that_queues_jobs_may_send_to_the_queue() {
    let t = template();
    // Events (the webhook), Commands (invites, onboarding), OAuth (the
    // directory refresh an install starts), Api (office invites, refresh,
    // meeting summaries when presence empties a room),
    // Worker (fan-out, next pages).
    for f in [
        "EventsFunction",
        "CommandsFunction",
        "OAuthFunction",
        "ApiFunction",
        "WorkerFunction",
    ] {
        let block = resource(&t, f);
        assert!(
            block.contains("SQSSendMessagePolicy"),
            "{f} sends jobs but may not: {block}"
        );
    }
    assert!(!resource(&t, "OAuthFunction").contains("SQSPollerPolicy"));
}

#[test]
fn manifest_request_url_is_the_events_route() {
    let m = hallway::slack::manifest::manifest("https://x.example", "/hallway");
    assert_eq!(
        m["settings"]["event_subscriptions"]["request_url"],
        format!("https://x.example{}", hallway_events::PATH)
    );
}

#[test]
fn no_policy_grants_every_action_or_every_resource() {
    let t = template();
    // Inline statements name their actions and resources; SAM's policy
    // templates are scoped by their parameters (checked below).
    for (i, line) in t.lines().enumerate() {
        let l = line.trim_start().trim_start_matches("- ");
        if l.starts_with("Action:") || l.starts_with("Resource:") || l.starts_with("NotAction:") {
            assert!(!l.contains('*'), "line {}: {line}", i + 1);
        }
    }
    for f in [
        "EventsFunction",
        "CommandsFunction",
        "OAuthFunction",
        "ApiFunction",
        "WorkerFunction",
    ] {
        let block = resource(&t, f);
        // Every policy template is bound to our table, queue or secret.
        for (template, bound) in [
            ("DynamoDBCrudPolicy:", "TableName: !Ref Table"),
            ("DynamoDBReadPolicy:", "TableName: !Ref Table"),
            (
                "SQSSendMessagePolicy:",
                "QueueName: !GetAtt JobsQueue.QueueName",
            ),
            ("SQSPollerPolicy:", "QueueName: !GetAtt JobsQueue.QueueName"),
            (
                "AWSSecretsManagerGetSecretValuePolicy:",
                "SecretArn: !Ref Secrets",
            ),
        ] {
            if let Some(at) = block.find(template) {
                let next = &block[at..];
                let param = next.lines().nth(1).unwrap_or("").trim();
                assert_eq!(param, bound, "{f}: {template}");
            }
        }
        assert!(
            !block.contains("AdministratorAccess") && !block.contains("FullAccess"),
            "{f}"
        );
    }
}

#[test]
fn logs_are_kept_a_bounded_time_and_failures_raise_alarms() {
    let t = template();
    for f in [
        "EventsFunction",
        "CommandsFunction",
        "OAuthFunction",
        "ApiFunction",
        "WorkerFunction",
    ] {
        let logs = resource(&t, &format!("{f}Logs"));
        assert!(logs.contains(&format!("/aws/lambda/${{{f}}}")), "{logs}");
        assert!(logs.contains("RetentionInDays: !Ref LogRetentionDays"));
        let alarm = resource(&t, &format!("{f}Errors"));
        assert!(
            alarm.contains("MetricName: Errors") && alarm.contains(&format!("Value: !Ref {f}"))
        );
    }
    let dlq = resource(&t, "DeadLettersAlarm");
    assert!(dlq.contains("JobsDeadLetterQueue.QueueName"));
    let table = resource(&t, "Table");
    for must in [
        "BillingMode: PAY_PER_REQUEST",
        "PointInTimeRecoveryEnabled: true",
        "DeletionProtectionEnabled: true",
    ] {
        assert!(table.contains(must), "{must}");
    }
}

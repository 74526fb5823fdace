//! The README's local workflow, through the real binary: `serve --slack fake`
//! in one process, `replay` of the `events/` samples from another.

use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_hallway-local");

fn samples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../events")
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

static NEXT_DIR: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// A command with no Slack or hallway settings inherited from the developer.
fn hallway_local() -> Command {
    let mut cmd = Command::new(BIN);
    for (k, _) in std::env::vars() {
        if k.starts_with("SLACK_") || k.starts_with("HALLWAY_") {
            cmd.env_remove(k);
        }
    }
    cmd.arg("--env-file").arg("/nonexistent/.env");
    cmd
}

/// Starts `serve` on a port the OS picks, and reads the address it prints.
fn serve(data_dir: &std::path::Path) -> (Server, String) {
    use std::io::BufRead;
    let mut child = hallway_local()
        .args(["serve", "--slack", "fake", "--addr", "127.0.0.1:0"])
        .arg("--data-dir")
        .arg(data_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let server = Server(child);
    let mut reader = std::io::BufReader::new(stdout);
    let mut first = String::new();
    reader.read_line(&mut first).unwrap();
    // Keep reading: a closed pipe would make the server's next print fail.
    std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
    let base = first
        .trim()
        .strip_prefix("hallway is running on ")
        .unwrap_or_else(|| panic!("unexpected banner: {first:?}"))
        .to_owned();
    (server, base)
}

fn replay(base: &str, sample: &str, extra: &[&str]) -> Output {
    hallway_local()
        .arg("replay")
        .arg(samples().join(sample))
        .args(["--to", base])
        .args(extra)
        .output()
        .unwrap()
}

/// The command's output, with its error stream when it failed.
fn stdout(o: &Output) -> String {
    let mut text = String::from_utf8_lossy(&o.stdout).into_owned();
    if !o.status.success() {
        text.push_str("\n[stderr]\n");
        text.push_str(&String::from_utf8_lossy(&o.stderr));
    }
    text
}

#[test]
fn serve_answers_replays_refuses_tampering_and_acknowledges_retries_once() {
    let data = tempdir();
    let (_server, base) = serve(&data);

    let ok = replay(&base, "events/url_verification.json", &[]);
    assert!(ok.status.success(), "{}", stdout(&ok));
    assert!(stdout(&ok).starts_with("<- 200"), "{}", stdout(&ok));
    assert!(stdout(&ok).contains("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"));

    let tampered = replay(&base, "events/url_verification.json", &["--tamper"]);
    assert!(!tampered.status.success());
    assert!(
        stdout(&tampered).starts_with("<- 401"),
        "{}",
        stdout(&tampered)
    );
    assert!(stdout(&tampered).contains(r#"{"error":"invalid request"}"#));

    // A tampered event stores nothing: its claim is not taken, so the
    // genuine delivery is still processed afterwards.
    let bad = replay(&base, "events/app_uninstalled.json", &["--tamper"]);
    assert!(stdout(&bad).starts_with("<- 401"), "{}", stdout(&bad));
    let first = replay(&base, "events/app_uninstalled.json", &[]);
    assert!(
        stdout(&first).contains("x-hallway-event: queued"),
        "{}",
        stdout(&first)
    );
    let retry = replay(&base, "events/app_uninstalled_retry.json", &[]);
    assert!(stdout(&retry).starts_with("<- 200"), "{}", stdout(&retry));
    assert!(
        stdout(&retry).contains("x-hallway-event: duplicate"),
        "{}",
        stdout(&retry)
    );

    // An office API sample: its bearer token is re-signed like Slack's
    // signature.
    let created = replay(&base, "api/create_space.json", &[]);
    assert!(
        stdout(&created).starts_with("<- 201"),
        "{}",
        stdout(&created)
    );
    let listed = replay(&base, "api/list_spaces.json", &[]);
    assert!(
        stdout(&listed).contains(r#""name":"HQ""#),
        "{}",
        stdout(&listed)
    );
    let login = replay(&base, "oauth/login.json", &[]);
    assert!(
        stdout(&login).contains("location: http://127.0.0.1:"),
        "{}",
        stdout(&login)
    );

    let help = replay(&base, "commands/help.json", &[]);
    assert!(
        stdout(&help).contains("How to use /hallway"),
        "{}",
        stdout(&help)
    );

    let unknown = replay(&base, "events/unknown_event.json", &[]);
    assert!(
        stdout(&unknown).contains("x-hallway-event: ignored"),
        "{}",
        stdout(&unknown)
    );

    let health: serde_json::Value =
        serde_json::from_str(&http_get(&format!("{base}/healthz"))).unwrap();
    assert_eq!(health["dead_letters"], 0);
    std::fs::remove_dir_all(&data).ok();
}

#[test]
fn claims_survive_a_restart_of_the_bundle() {
    let data = tempdir();
    {
        let (_server, base) = serve(&data);
        let first = replay(&base, "events/tokens_revoked.json", &[]);
        assert!(
            stdout(&first).contains("x-hallway-event: queued"),
            "{}",
            stdout(&first)
        );
    }
    let (_server, base) = serve(&data);
    let again = replay(&base, "events/tokens_revoked.json", &[]);
    assert!(
        stdout(&again).contains("x-hallway-event: duplicate"),
        "the embedded store kept the claim: {}",
        stdout(&again)
    );
    std::fs::remove_dir_all(&data).ok();
}

#[test]
fn worker_samples_run_in_process_and_report_failures() {
    let out = hallway_local()
        .args(["replay"])
        .arg(samples().join("worker/poison_and_good.json"))
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "failures make the exit status non-zero"
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        text.contains("0f4c2b1a-0000-4000-8000-000000000001"),
        "{text}"
    );
    assert!(
        text.contains("0f4c2b1a-0000-4000-8000-000000000002"),
        "{text}"
    );
    assert!(
        !text.contains("0f4c2b1a-0000-4000-8000-000000000003"),
        "{text}"
    );
    for sample in [
        "app_uninstalled_job.json",
        "meeting_notice_job.json",
        "redriven_job.json",
    ] {
        let ok = hallway_local()
            .args(["replay"])
            .arg(samples().join("worker").join(sample))
            .output()
            .unwrap();
        assert!(ok.status.success(), "{sample}: {}", stdout(&ok));
    }
}

#[test]
fn serve_against_real_slack_names_the_missing_secret() {
    let out = hallway_local()
        .args(["serve", "--in-memory", "--addr", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("SLACK_SIGNING_SECRET is not set"), "{err}");
}

/// `hallway-local manifest --base-url https://h.example` and `extra`.
fn manifest(extra: &[&str]) -> std::process::Output {
    hallway_local()
        .args(["manifest", "--base-url", "https://h.example"])
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn manifest_prints_the_app_manifest() {
    let out = manifest(&[]);
    assert!(out.status.success());
    let m: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        m["settings"]["event_subscriptions"]["request_url"],
        "https://h.example/slack/events"
    );
    assert_eq!(m["features"]["slash_commands"][0]["command"], "/hallway");

    let out = manifest(&["--command", "/office"]);
    assert!(out.status.success());
    let m: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(m["features"]["slash_commands"][0]["command"], "/office");

    let out = manifest(&["--command", "office"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is not a slash command"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn tempdir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "hallway-cli-{}-{}",
        std::process::id(),
        NEXT_DIR.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn http_get(url: &str) -> String {
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(async { reqwest::get(url).await.unwrap().text().await.unwrap() })
}

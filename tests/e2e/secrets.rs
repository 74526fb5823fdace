//! The Secrets Manager adapter against moto.

use hallway::secrets::{SecretSource, SecretsError, SecretsManagerSource};
use hallway_tests::Emulators;
use serde_json::json;

fn full() -> serde_json::Value {
    json!({
        "SLACK_SIGNING_SECRET": "sign",
        "SLACK_CLIENT_ID": "123.456",
        "SLACK_CLIENT_SECRET": "client-secret",
        "HALLWAY_TOKEN_KEY": "a2V5",
        "HALLWAY_APP_JWT_SECRET": "jwt",
    })
}

#[tokio::test]
async fn reads_one_json_secret_and_caches_it() {
    let Some(emu) = Emulators::connect().await else {
        return;
    };
    let id = emu.create_secret(&full()).await;
    let source = SecretsManagerSource::new(emu.secrets.clone(), &id);
    let first = source.load().await.unwrap();
    assert_eq!(first.signing_secret.expose(), "sign");
    assert_eq!(first.client_id, "123.456");
    // Fetched once: with the secret gone, the cached copy still serves.
    emu.secrets
        .delete_secret()
        .secret_id(&id)
        .force_delete_without_recovery(true)
        .send()
        .await
        .unwrap();
    let again = source.load().await.unwrap();
    assert_eq!(again.client_secret.expose(), "client-secret");
    // A fresh source sees that it is gone.
    let err = SecretsManagerSource::new(emu.secrets, &id)
        .load()
        .await
        .unwrap_err();
    assert!(matches!(err, SecretsError::Fetch { .. }), "{err}");
}

#[tokio::test]
async fn names_the_missing_key() {
    let Some(emu) = Emulators::connect().await else {
        return;
    };
    let mut value = full();
    value.as_object_mut().unwrap().remove("HALLWAY_TOKEN_KEY");
    let id = emu.create_secret(&value).await;
    let err = SecretsManagerSource::new(emu.secrets, &id)
        .load()
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("HALLWAY_TOKEN_KEY is not set (secret {id}); see README \"Configuration\"")
    );
}

#[tokio::test]
async fn refuses_a_secret_that_is_not_json() {
    let Some(emu) = Emulators::connect().await else {
        return;
    };
    let name = format!("hallway-test/{}", uuid::Uuid::new_v4().simple());
    emu.secrets
        .create_secret()
        .name(&name)
        .secret_string("SLACK_SIGNING_SECRET=oops")
        .send()
        .await
        .unwrap();
    let err = SecretsManagerSource::new(emu.secrets, &name)
        .load()
        .await
        .unwrap_err();
    assert!(matches!(err, SecretsError::Malformed { .. }), "{err}");
    assert!(
        !err.to_string().contains("oops"),
        "the value is never echoed: {err}"
    );
}

//! The office API's OpenAPI 3.1 document, derived from the wire types
//! ([`crate::model`]) and each handler's `#[utoipa::path]`. The office team
//! builds its client from it.
//!
//! It is served at `GET /api/v1/openapi.json` (no token) and committed as
//! `docs/openapi.json`; a test fails when the two differ. To write the
//! committed copy again after changing the API:
//!
//! ```sh
//! HALLWAY_WRITE_OPENAPI=1 cargo test -p hallway-api openapi
//! ```
//!
//! The Lambda serves the committed copy as it is (the test keeps it equal
//! to the generated one), so the code that builds the document is only in
//! tests and tools, not in the binary.

use axum::response::{IntoResponse, Response};
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};

use crate::{
    channels, chats, directory, invites, me, members, model, people, sessions, slack, spaces, sync,
};

/// The routes that take no bearer token.
const PUBLIC: &[&str] = &["/api/v1/sessions", "/api/v1/openapi.json"];

/// The name of the bearer JWT scheme in the document.
const BEARER: &str = "bearer";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "hallway office API",
        description = "The virtual office's JSON API: spaces, rooms and presence, members and their Slack links, invites, the people directory, people sync and chat with Slack people. Every route but the session exchange and this document takes a bearer JWT (HS256) naming the office user and their role per space. A bad or expired token is 401; a role that may not do the action is 403; a body over 256 KiB is 413; none changes anything. Every error is `{\"error\": \"…\"}` (`ErrorBody`).",
        license(name = "MIT"),
    ),
    paths(
        serve,
        sessions::exchange,
        me::me,
        me::slack_spaces,
        spaces::create,
        spaces::list,
        spaces::show,
        spaces::settings,
        spaces::add_room,
        spaces::rooms,
        spaces::choice,
        spaces::update_room,
        spaces::delete_room,
        spaces::presence,
        members::list,
        slack::status,
        slack::connect,
        slack::disconnect,
        slack::link,
        slack::join_link,
        invites::create,
        invites::show,
        directory::status,
        directory::refresh,
        me::show,
        me::set_home_room,
        me::star,
        me::unstar,
        people::list,
        people::open_chat,
        chats::send,
        chats::history,
        channels::list,
        channels::open,
        channels::map,
        channels::unmap,
        channels::history,
        channels::send,
        sync::list,
        sync::prompt_one,
        sync::reprompt,
        sync::prompt_all,
        sync::reset,
        sync::remove,
        sync::audit,
    ),
    components(schemas(model::ErrorBody)),
    modifiers(&Conventions),
)]
pub struct ApiDoc;

/// What every route shares, added once here rather than on each handler:
/// the bearer scheme, and the refusals any route may answer with.
struct Conventions;

impl utoipa::Modify for Conventions {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "An HS256 JWT naming the office user (`sub`) and their roles per space (`roles`), or a session token from `POST /api/v1/sessions`.",
                    ))
                    .build(),
            ),
        );
        for (path, item) in doc.paths.paths.iter_mut() {
            let public = PUBLIC.contains(&path.as_str());
            let ops = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for op in ops.into_iter().flatten() {
                // Handlers' names repeat across modules (`list`, `show`):
                // the tag (the module's area) makes them unique.
                if let (Some(tag), Some(id)) = (
                    op.tags.as_ref().and_then(|t| t.first()),
                    op.operation_id.as_ref(),
                ) {
                    op.operation_id = Some(format!("{tag}_{id}"));
                }
                let has_body = op.request_body.is_some();
                let has_params = path.contains('{');
                let mut add = |status: &str, description: &str| {
                    op.responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| error_response(description));
                };
                if has_body || has_params {
                    add("400", "A malformed id or body");
                }
                if has_body {
                    add("413", "The body is over 256 KiB");
                }
                if !public {
                    add("401", "A missing, bad, expired or superseded bearer token");
                }
                if has_params {
                    add("403", "The caller's role in the space does not allow this");
                    add("404", "No such space (or room, person, invite)");
                }
                if path != "/api/v1/openapi.json" {
                    add("503", "A dependency is down or slow: try again");
                }
                if !public {
                    op.security =
                        Some(vec![SecurityRequirement::new(BEARER, Vec::<String>::new())]);
                }
            }
        }
    }
}

fn error_response(description: &str) -> RefOr<utoipa::openapi::Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build(),
    )
}

/// The document as the office team gets it: pretty JSON, one trailing
/// newline.
pub fn document() -> String {
    let mut json = ApiDoc::openapi()
        .to_pretty_json()
        .expect("the OpenAPI document serializes");
    json.push('\n');
    json
}

/// The committed document, which `committed_openapi_document_is_current`
/// keeps equal to [`document`]. Serving it as it is keeps the code that
/// builds the document out of the Lambda (0.7 MB of its 10 MB binary when
/// it was built on request).
const COMMITTED: &str = include_str!("../../../docs/openapi.json");

/// This API's OpenAPI 3.1 document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta",
    responses((status = 200, description = "The OpenAPI 3.1 document of this API", content_type = "application/json")))]
pub async fn serve() -> Response {
    (
        [(http::header::CONTENT_TYPE, "application/json")],
        COMMITTED,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed document, which the office team builds its client
    /// from, must be the one the code generates.
    #[test]
    fn committed_openapi_document_is_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json");
        let generated = document();
        if std::env::var_os("HALLWAY_WRITE_OPENAPI").is_some() {
            std::fs::write(&path, &generated).expect("docs/openapi.json is writable");
            return;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == generated,
            "docs/openapi.json differs from the API's types and routes; write it again with\n\n    HALLWAY_WRITE_OPENAPI=1 cargo test -p hallway-api openapi\n\nand commit it (the office team builds its client from it)"
        );
    }

    #[test]
    fn the_document_is_openapi_3_1_with_the_bearer_scheme_and_the_error_body() {
        let doc: serde_json::Value = serde_json::from_str(&document()).unwrap();
        assert_eq!(doc["openapi"], "3.1.0");
        assert_eq!(
            doc["components"]["securitySchemes"][BEARER]["scheme"],
            "bearer"
        );
        assert_eq!(
            doc["components"]["schemas"]["ErrorBody"]["required"],
            serde_json::json!(["error"])
        );
        let me = &doc["paths"]["/api/v1/me"]["get"];
        assert_eq!(me["security"], serde_json::json!([{BEARER: []}]));
        assert!(me["responses"]["401"].is_object());
        let exchange = &doc["paths"]["/api/v1/sessions"]["post"];
        assert!(exchange["security"].is_null(), "{exchange}");
    }

    #[test]
    fn operation_ids_are_unique() {
        let doc: serde_json::Value = serde_json::from_str(&document()).unwrap();
        let mut ids: Vec<&str> = doc["paths"]
            .as_object()
            .unwrap()
            .values()
            .flat_map(|item| item.as_object().unwrap().values())
            .filter_map(|op| op["operationId"].as_str())
            .collect();
        let n = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), n, "{ids:?}");
    }

    /// Every route the router serves under `/api/v1/` is in the document.
    #[test]
    fn every_api_route_is_documented() {
        let doc: serde_json::Value = serde_json::from_str(&document()).unwrap();
        let source = include_str!("lib.rs");
        let routes: Vec<&str> = source
            .split(".route(")
            .skip(1)
            .filter_map(|r| r.split('"').nth(1))
            .filter(|p| p.starts_with("/api/v1/"))
            .collect();
        assert!(routes.len() > 30, "{routes:?}");
        for route in routes {
            assert!(
                doc["paths"][route].is_object(),
                "{route} is not in the document"
            );
        }
    }
}

//! What every OpenAPI document of ours says the same way, in one place: the
//! error shape, the answers the common HTTP surface gives on any route
//! (401, 400 for an id that is not one, 413/415 for bodies, 503 when a store
//! is unreachable), the headers every answer carries, and the ULID pattern
//! of every `{id}` in a path. Each function's document applies
//! [`Surface`] as a modifier, so a client — and schemathesis — can hold each
//! answer to the document.

use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{ContentBuilder, HeaderBuilder, OpenApi, Ref, RefOr};
use utoipa::Modify;

use super::SECURITY_HEADERS;

/// The one error shape.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Machine-readable: `bad_request`, `unauthorized`, `not_found`, ...
    pub code: String,
    pub message: String,
    pub request_id: String,
}

/// The canonical text of every id in a path, body or query (`shared::ids`).
pub const ULID_PATTERN: &str = "^[0-7][0-9A-HJKMNP-TV-Z]{25}$";

/// An id's text in a document (`value_type = Vec<UlidText>` for a list of
/// ids): a string with [`ULID_PATTERN`].
pub struct UlidText;

impl utoipa::PartialSchema for UlidText {
    fn schema() -> RefOr<utoipa::openapi::schema::Schema> {
        RefOr::T(ObjectBuilder::new().schema_type(Type::String).pattern(Some(ULID_PATTERN)).into())
    }
}

impl utoipa::ToSchema for UlidText {}

/// The security scheme's name in every document.
pub const API_KEY: &str = "api_key";

/// The modifier: see the module comment.
pub struct Surface;

impl Modify for Surface {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(API_KEY, SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
        for (name, schema) in [
            ("ErrorBody", <ErrorBody as utoipa::PartialSchema>::schema()),
            ("ErrorDetail", <ErrorDetail as utoipa::PartialSchema>::schema()),
        ] {
            components.schemas.insert(name.to_owned(), schema);
        }
        for item in openapi.paths.paths.values_mut() {
            for operation in [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch]
                .into_iter()
                .flatten()
            {
                complete(operation);
            }
        }
    }
}

/// One operation: the common answers it can give, the headers on every
/// answer, the id pattern on its path parameters.
fn complete(operation: &mut Operation) {
    let mut common: Vec<(&str, &str)> = Vec::new();
    if operation.security.is_some() {
        common.push(("401", "no key, or a key that is not valid"));
        common.push(("503", "a backing service is unavailable; retry later"));
    }
    let mut has_id = false;
    for parameter in operation.parameters.iter_mut().flatten() {
        if parameter.parameter_in == ParameterIn::Path && parameter.name == "id" {
            has_id = true;
            let pattern = ObjectBuilder::new().schema_type(Type::String).pattern(Some(ULID_PATTERN));
            parameter.schema = Some(RefOr::T(pattern.into()));
        }
    }
    if has_id {
        common.push(("400", "the id is not an id (a 26-character ULID)"));
    }
    if operation.request_body.is_some() {
        common.push(("400", "the body is not valid"));
        common.push(("413", "the body is larger than the limit"));
        common.push(("415", "the body is not application/json"));
    }
    let responses = &mut operation.responses.responses;
    for (status, description) in common {
        responses.entry(status.to_owned()).or_insert_with(|| RefOr::T(error_response(description)));
    }
    for response in responses.values_mut() {
        if let RefOr::T(response) = response {
            with_surface_headers(response);
        }
    }
}

fn error_response(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build(),
        )
        .build()
}

/// `x-request-id` and the security headers, on every answer. Their values
/// are fixed but for `cache-control`, which a cacheable answer may relax.
fn with_surface_headers(response: &mut Response) {
    let string = || ObjectBuilder::new().schema_type(Type::String);
    response.headers.insert(
        "x-request-id".to_owned(),
        HeaderBuilder::new().schema(string()).description(Some("this request's id, as in the logs")).build(),
    );
    for (name, value) in SECURITY_HEADERS {
        let schema = if name == "cache-control" { string() } else { string().enum_values(Some([value])) };
        response.headers.insert(name.to_owned(), HeaderBuilder::new().schema(schema).build());
    }
}

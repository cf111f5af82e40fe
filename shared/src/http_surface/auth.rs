//! Who is calling: the tenant from an API key, or from verified JWT claims
//! when a function is deployed behind an API Gateway JWT authorizer.

use lambda_http::{request::RequestContext, Request, RequestExt};
use secrecy::SecretString;

use super::{ApiError, ErrorCode};
use crate::config::EnvReader;
use crate::tenant::{bearer, TenantId, TenantStore};

/// Where the tenant of a request comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthMode {
    /// `Authorization: Bearer tk_...` checked against the stored key hashes.
    ApiKey,
    /// Verified JWT claims from an API Gateway authorizer; names the claim.
    Jwt { tenant_claim: String },
}

impl AuthMode {
    /// `AUTH_MODE` (`api_key` | `jwt`) and `JWT_TENANT_CLAIM` (default `tenant_id`).
    pub fn read<F: Fn(&str) -> Option<String>>(env: &mut EnvReader<F>) -> Self {
        match env.optional("AUTH_MODE", "api_key").as_str() {
            "api_key" => AuthMode::ApiKey,
            "jwt" => AuthMode::Jwt { tenant_claim: env.optional("JWT_TENANT_CLAIM", "tenant_id") },
            _ => {
                env.invalid("AUTH_MODE", "must be api_key or jwt");
                AuthMode::ApiKey
            }
        }
    }
}

/// The one answer to every failed authentication: which check failed
/// (no header, a malformed one, an unknown or revoked key, missing claims)
/// would tell a prober what to try next, so it is logged, never answered.
pub const UNAUTHORIZED_MESSAGE: &str = "missing or invalid credentials";

/// The calling tenant, or a 401 that does not say which check failed.
pub async fn tenant_of(
    request: &Request,
    mode: &AuthMode,
    tenants: &TenantStore,
) -> Result<TenantId, ApiError> {
    match mode {
        AuthMode::ApiKey => {
            let header = request.headers().get("authorization").and_then(|v| v.to_str().ok());
            let key = bearer(header).map_err(|e| {
                tracing::info!(reason = %e, "credentials refused");
                unauthorized()
            })?;
            let key = SecretString::from(key.to_owned());
            match tenants.authenticate(&key).await? {
                Ok(tenant) => Ok(tenant),
                Err(e) => {
                    tracing::info!(reason = %e, "api key refused");
                    Err(unauthorized())
                }
            }
        }
        AuthMode::Jwt { tenant_claim } => {
            let claims = match request.request_context_ref() {
                Some(RequestContext::ApiGatewayV2(ctx)) => {
                    ctx.authorizer.as_ref().and_then(|a| a.jwt.as_ref()).map(|j| &j.claims)
                }
                _ => None,
            };
            claims.and_then(|c| c.get(tenant_claim)).and_then(|t| TenantId::parse(t)).ok_or_else(|| {
                tracing::info!("no tenant in the verified token claims");
                unauthorized()
            })
        }
    }
}

fn unauthorized() -> ApiError {
    ApiError::new(ErrorCode::Unauthorized, UNAUTHORIZED_MESSAGE)
}

//! Who is calling: the tenant from an API key, or from verified JWT claims
//! when the API is deployed behind an API Gateway JWT authorizer.

use lambda_http::{request::RequestContext, Request, RequestExt};
use secrecy::SecretString;
use shared::{
    http_surface::ErrorCode,
    tenant::{bearer, TenantId},
};

use crate::{config::AuthMode, error::ApiError, Deps};

pub async fn tenant_of(request: &Request, deps: &Deps) -> Result<TenantId, ApiError> {
    match &deps.config.auth {
        AuthMode::ApiKey => {
            let header = request.headers().get("authorization").and_then(|v| v.to_str().ok());
            let key = bearer(header).map_err(|e| unauthorized(&e.to_string()))?;
            let key = SecretString::from(key.to_owned());
            match deps.tenants.authenticate(&key).await? {
                Ok(tenant) => Ok(tenant),
                Err(e) => {
                    tracing::info!(reason = %e, "api key refused");
                    Err(unauthorized("invalid API key"))
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
            claims
                .and_then(|c| c.get(tenant_claim))
                .and_then(|t| TenantId::parse(t))
                .ok_or_else(|| unauthorized("no tenant in the verified token claims"))
        }
    }
}

fn unauthorized(message: &str) -> ApiError {
    ApiError::new(ErrorCode::Unauthorized, message)
}

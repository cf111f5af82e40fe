//! `tenant create NAME` | `tenant issue-key TENANT_ID` | `tenant revoke-key PREFIX`
//!
//! Talks to the table named by the stack configuration (source
//! `.local/stack.env` for the local stack). A new key is printed once, as the
//! last line of the output; only its hash is stored.

use std::process::ExitCode;

use secrecy::ExposeSecret;
use shared::{aws::Aws, config::StackConfig, tenant::TenantId, tenant::TenantStore};

const USAGE: &str = "usage: tenant create NAME | tenant issue-key TENANT_ID | tenant revoke-key PREFIX";

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let config = match StackConfig::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let aws = Aws::load(&config).await;
    let store = TenantStore::new(aws.dynamodb(), &config.table_name);
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["create", name] if !name.trim().is_empty() => {
            store.create_tenant(name.trim()).await.map(|(t, key)| {
                println!("tenant {t} created; API key prefix {} (shown once, store it now):", key.prefix);
                println!("{}", key.key.expose_secret());
            })
        }
        ["issue-key", tenant] => match TenantId::parse(tenant) {
            Some(tenant) => store.issue_key(&tenant).await.map(|key| {
                println!("new key for tenant {tenant}; prefix {} (shown once):", key.prefix);
                println!("{}", key.key.expose_secret());
            }),
            None => {
                eprintln!("not a tenant id: {tenant}");
                return ExitCode::from(2);
            }
        },
        ["revoke-key", prefix] => store.revoke_key(prefix).await.map(|found| {
            if found {
                println!("key {prefix} revoked");
            } else {
                println!("no key with prefix {prefix}");
            }
        }),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("failed: {e}");
            ExitCode::FAILURE
        }
    }
}

//! Throw-away databases for tests: a temporary SQLite file, or a fresh schema in the real PostgreSQL
//! (`RAMPART_TEST_POSTGRES_URL`, default `postgres://postgres@127.0.0.1:5432/test`) so that concurrent
//! test runs never see each other's rows.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::{Backend, Store};

pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// A migrated store that cleans up after itself (the SQLite file or the PostgreSQL schema).
pub struct TestDb {
    pub store: Store,
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    File(PathBuf),
    Schema { admin_url: String, schema: String },
}

fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

impl TestDb {
    pub async fn new(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => Self::sqlite().await,
            Backend::Postgres => Self::postgres().await,
        }
    }

    pub async fn sqlite() -> TestDb {
        let path = std::env::temp_dir().join(format!("{}.db", unique_name("rampart_test")));
        let url = format!("sqlite://{}", path.display());
        let store = Store::connect(&url)
            .await
            .expect("open temporary SQLite file");
        store.migrate().await.expect("migrate SQLite");
        TestDb {
            store,
            url,
            cleanup: Cleanup::File(path),
        }
    }

    pub async fn postgres() -> TestDb {
        let admin_url = std::env::var("RAMPART_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_owned());
        let schema = unique_name("rampart_test");
        let admin = sqlx::PgPool::connect(&admin_url)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL at {admin_url} is needed by the tests: {e}"));
        sqlx::query(&format!("CREATE SCHEMA {schema}"))
            .execute(&admin)
            .await
            .expect("create test schema");
        admin.close().await;
        let separator = if admin_url.contains('?') { '&' } else { '?' };
        let url = format!("{admin_url}{separator}options=-c%20search_path%3D{schema}");
        let store = Store::connect(&url)
            .await
            .expect("connect to the test schema");
        store.migrate().await.expect("migrate PostgreSQL");
        TestDb {
            store,
            url,
            cleanup: Cleanup::Schema { admin_url, schema },
        }
    }

    /// Closes the pool and removes the database. Call it at the end of a test.
    pub async fn drop_database(self) {
        self.store.close().await;
        match self.cleanup {
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::Schema { admin_url, schema } => {
                if let Ok(admin) = sqlx::PgPool::connect(&admin_url).await {
                    let _ = sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
                        .execute(&admin)
                        .await;
                    admin.close().await;
                }
            }
        }
    }
}

/// Generates one `#[tokio::test]` per backend for each listed `async fn(&Store)`, so that one contract
/// suite runs on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! contract_tests {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let db = $crate::test_db::TestDb::sqlite().await;
                    super::$name(&db.store).await;
                    db.drop_database().await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let db = $crate::test_db::TestDb::postgres().await;
                    super::$name(&db.store).await;
                    db.drop_database().await;
                }
            )+
        }
    };
}

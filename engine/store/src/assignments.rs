//! Courses assigned to people, with a reason and a due date (for now by plugins, through the host's
//! `training.assign`). The learner's dashboard lists them first.

use crate::{Pool, Result, Store, StoreError};

/// One person's assignment of one course.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct CourseAssignment {
    pub package_id: i64,
    pub user_id: i64,
    /// Who assigned it: a plugin's name.
    pub source: String,
    pub reason: String,
    /// Unix seconds.
    pub due_at: Option<i64>,
    pub created_at: i64,
}

/// What to assign: one course to several people, for one reason.
#[derive(Clone, Copy, Debug)]
pub struct NewAssignment<'a> {
    pub package_id: i64,
    pub source: &'a str,
    pub reason: &'a str,
    pub due_at: Option<i64>,
}

impl Store {
    /// Assigns the course to each user who does not have it assigned yet; returns how many were new.
    /// One transaction, so a failure assigns it to nobody.
    pub async fn assign_course(
        &self,
        assignment: &NewAssignment<'_>,
        user_ids: &[i64],
        now: i64,
    ) -> Result<u64> {
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let mut added = 0;
            for user_id in user_ids {
                added += sqlx::query(
                    "INSERT INTO course_assignments (package_id, user_id, source, reason, due_at, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (package_id, user_id) DO NOTHING")
                    .bind(assignment.package_id)
                    .bind(user_id)
                    .bind(assignment.source)
                    .bind(assignment.reason)
                    .bind(assignment.due_at)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            }
            tx.commit().await?;
            Ok(added)
        })
    }

    /// A learner's assignments, soonest due first (those without a due date last).
    pub async fn assignments_of_user(&self, user_id: i64) -> Result<Vec<CourseAssignment>> {
        with_pool!(self, pool => sqlx::query_as(
            "SELECT package_id, user_id, source, reason, due_at, created_at FROM course_assignments
             WHERE user_id = $1 ORDER BY due_at IS NULL, due_at, created_at")
            .bind(user_id)
            .fetch_all(pool)
            .await
            .map_err(StoreError::from))
    }
}

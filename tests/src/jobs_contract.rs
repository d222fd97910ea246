//! The job use cases ([`Jobs`]) over a [`RecordStore`]: every case runs against every record
//! store, so a job behaves alike in memory, in files and in Supabase Storage.

use std::sync::Arc;
use std::time::Duration;

use persona_ports::{
    JobMaterial, JobOutcome, JobPolicy, JobProgress, JobStatus, Jobs, RecordStore, Recovery,
};
use serde_json::json;

fn material() -> JobMaterial {
    JobMaterial {
        text_blocks: vec!["My name is Ada. I live in Lisbon.".into()],
        links: vec!["https://example.com/ada".into()],
        fresh: true,
        scenario: None,
    }
}

fn jobs(records: &Arc<dyn RecordStore>, policy: JobPolicy) -> Jobs {
    Jobs::new(Arc::clone(records), policy)
}

/// A new job is queued with its material, and reads back as written.
pub async fn a_created_job_is_queued_and_reads_back(records: Arc<dyn RecordStore>) {
    let jobs = jobs(&records, JobPolicy::default());
    let created = jobs.create(material(), "req-1").await.expect("created");
    assert_eq!(created.status, JobStatus::Queued);
    assert_eq!(created.progress, JobProgress::default());
    assert_eq!(created.runs, 0);
    let found = jobs.find(&created.id).await.expect("read").expect("found");
    assert!(found == created, "{found:?} != {created:?}");
    assert_eq!(found.material, Some(material()));
    assert_eq!(
        found.expires_at - found.created_at,
        chrono::Duration::days(1)
    );
}

/// A job runs once: claimed, it is running and no second worker can claim it; its heartbeat
/// keeps the progress; its end keeps the data, drops the material and never changes again.
pub async fn a_claimed_job_runs_to_its_end_once(records: Arc<dyn RecordStore>) {
    let jobs = jobs(&records, JobPolicy::default());
    let id = jobs.create(material(), "req-2").await.expect("created").id;
    let claim = jobs.claim(&id).await.expect("claim").expect("claimed");
    assert_eq!(claim.material, material());
    assert!(jobs.claim(&id).await.expect("claim again").is_none());
    let progress = JobProgress {
        chunks_done: 1,
        chunks_total: 3,
        completion_tokens: 42,
    };
    assert!(jobs.heartbeat(&claim, progress).await.expect("heartbeat"));
    let running = jobs.find(&id).await.expect("read").expect("found");
    assert_eq!(
        (running.status, running.progress, running.runs),
        (JobStatus::Running, progress, 1)
    );
    let done = JobProgress {
        chunks_done: 3,
        ..progress
    };
    let data = json!({"persona": {"name": "Ada"}});
    assert!(
        jobs.finish(&claim, done, JobOutcome::Succeeded(data.clone()))
            .await
            .expect("finish")
    );
    let ended = jobs.find(&id).await.expect("read").expect("found");
    assert_eq!(ended.status, JobStatus::Succeeded);
    assert_eq!(
        (ended.data, ended.error, ended.material),
        (Some(data), None, None)
    );
    assert_eq!(ended.progress, done);
    // Nothing rewrites an ended job: neither its old worker nor a new claim.
    assert!(
        !jobs
            .heartbeat(&claim, progress)
            .await
            .expect("late heartbeat")
    );
    assert!(
        !jobs
            .finish(&claim, progress, JobOutcome::Failed(json!({})))
            .await
            .expect("late")
    );
    assert!(jobs.claim(&id).await.expect("claim ended").is_none());
    let still = jobs.find(&id).await.expect("read").expect("found");
    assert_eq!(still.status, JobStatus::Succeeded);
}

/// A failed job keeps the error and drops the material.
pub async fn a_failed_job_keeps_its_error(records: Arc<dyn RecordStore>) {
    let jobs = jobs(&records, JobPolicy::default());
    let id = jobs.create(material(), "req-3").await.expect("created").id;
    let claim = jobs.claim(&id).await.expect("claim").expect("claimed");
    let error = json!({"code": "EXTRACTION_FAILED", "retryable": true});
    jobs.finish(
        &claim,
        JobProgress::default(),
        JobOutcome::Failed(error.clone()),
    )
    .await
    .expect("finish");
    let ended = jobs.find(&id).await.expect("read").expect("found");
    assert_eq!(
        (ended.status, ended.error, ended.material),
        (JobStatus::Failed, Some(error), None)
    );
}

/// Past its TTL a job is gone: not found, and its record removed.
pub async fn an_expired_job_is_not_found_and_removed(records: Arc<dyn RecordStore>) {
    let policy = JobPolicy {
        ttl: Duration::from_millis(50),
        ..JobPolicy::default()
    };
    let jobs = jobs(&records, policy);
    let id = jobs.create(material(), "req-4").await.expect("created").id;
    tokio::time::sleep(Duration::from_millis(80)).await;
    assert!(jobs.find(&id).await.expect("read").is_none());
    let key = persona_ports::RecordKey::parse(id.as_str()).expect("key");
    let raw = records
        .get(persona_ports::RecordKind::Job, &key)
        .await
        .expect("raw read");
    assert!(raw.is_none(), "the expired record is still stored");
}

/// A worker that stops writing loses its job: the job is stale, another worker takes it over
/// (the old lease is refused), and once it has used its runs it is failed, not resumed.
pub async fn a_job_whose_worker_died_is_taken_over_then_failed(records: Arc<dyn RecordStore>) {
    let policy = JobPolicy {
        stale_after: Duration::from_millis(60),
        max_runs: 2,
        ..JobPolicy::default()
    };
    let jobs = jobs(&records, policy);
    let id = jobs.create(material(), "req-5").await.expect("created").id;
    let dead = jobs.claim(&id).await.expect("claim").expect("claimed");
    let fresh = jobs.find(&id).await.expect("read").expect("found");
    assert!(!jobs.is_stale(&fresh));
    tokio::time::sleep(Duration::from_millis(100)).await;
    let stale = jobs.find(&id).await.expect("read").expect("found");
    assert!(jobs.is_stale(&stale));
    assert_eq!(jobs.recovery(&stale), Recovery::Resume);
    let requeued = jobs.requeue(stale).await.expect("requeued");
    assert_eq!(requeued.status, JobStatus::Queued);
    let second = jobs
        .claim(&id)
        .await
        .expect("claim")
        .expect("claimed again");
    assert!(
        !jobs
            .heartbeat(&dead, JobProgress::default())
            .await
            .expect("old heartbeat")
    );
    assert!(
        jobs.heartbeat(&second, JobProgress::default())
            .await
            .expect("new heartbeat")
    );
    tokio::time::sleep(Duration::from_millis(100)).await;
    let stale = jobs.find(&id).await.expect("read").expect("found");
    assert_eq!((stale.runs, jobs.recovery(&stale)), (2, Recovery::Fail));
    let failed = jobs
        .fail(stale, json!({"retryable": true}))
        .await
        .expect("failed");
    assert_eq!((failed.status, failed.material), (JobStatus::Failed, None));
    // The second worker, late, cannot overwrite the failure.
    assert!(
        !jobs
            .finish(
                &second,
                JobProgress::default(),
                JobOutcome::Succeeded(json!({}))
            )
            .await
            .expect("late")
    );
}

/// A sweep finds every job not over (to resume at start) and removes the expired ones.
pub async fn a_sweep_finds_open_jobs_and_removes_expired_ones(records: Arc<dyn RecordStore>) {
    let short = jobs(
        &records,
        JobPolicy {
            ttl: Duration::from_millis(30),
            ..JobPolicy::default()
        },
    );
    let jobs = jobs(&records, JobPolicy::default());
    let expired = short.create(material(), "req-6").await.expect("created").id;
    let open = jobs.create(material(), "req-7").await.expect("created").id;
    let ended = jobs.create(material(), "req-8").await.expect("created").id;
    let claim = jobs.claim(&ended).await.expect("claim").expect("claimed");
    jobs.finish(
        &claim,
        JobProgress::default(),
        JobOutcome::Succeeded(json!({})),
    )
    .await
    .expect("finish");
    tokio::time::sleep(Duration::from_millis(60)).await;
    let found = jobs.sweep().await.expect("sweep");
    // The store may hold other cases' jobs: only these three are checked.
    assert!(found.iter().any(|r| r.id == open));
    assert!(!found.iter().any(|r| r.id == ended || r.id == expired));
    let key = persona_ports::RecordKey::parse(expired.as_str()).expect("key");
    assert!(
        records
            .get(persona_ports::RecordKind::Job, &key)
            .await
            .expect("raw")
            .is_none()
    );
}

//! The job id's rules; the job use cases are tested over every record store in
//! `tests/src/jobs_contract.rs`.

use super::*;

#[test]
fn fresh_ids_parse_and_differ() {
    let (a, b) = (JobId::fresh(), JobId::fresh());
    assert_eq!(JobId::parse(a.as_str()), Ok(a.clone()));
    assert_ne!(a, b);
    assert_eq!(a.as_str().len(), JobId::LEN);
}

#[test]
fn ids_of_another_length_or_alphabet_are_refused() {
    let good = "A".repeat(JobId::LEN);
    assert!(JobId::parse(&good).is_ok());
    for bad in [
        String::new(),
        "A".repeat(JobId::LEN - 1),
        "A".repeat(JobId::LEN + 1),
        format!("{}/", "A".repeat(JobId::LEN - 1)),
        format!("{}é", "A".repeat(JobId::LEN - 2)),
        "A".repeat(21),
    ] {
        assert_eq!(JobId::parse(&bad), Err(InvalidJobId), "{bad:?}");
    }
}

#[test]
fn debug_output_never_shows_an_id_or_the_material() {
    let id = JobId::fresh();
    assert_eq!(format!("{id:?}"), format!("JobId({} chars)", JobId::LEN));
    let material = JobMaterial {
        text_blocks: vec!["My secret name is Ada".into()],
        links: vec![],
        fresh: false,
        scenario: None,
    };
    let shown = format!("{material:?}");
    assert!(
        !shown.contains("Ada") && shown.contains("text_blocks: 1"),
        "{shown}"
    );
}

#[test]
fn statuses_are_written_in_snake_case_and_only_two_are_over() {
    let written = serde_json::to_string(&[
        JobStatus::Queued,
        JobStatus::Running,
        JobStatus::Succeeded,
        JobStatus::Failed,
    ])
    .unwrap();
    assert_eq!(written, r#"["queued","running","succeeded","failed"]"#);
    assert!(!JobStatus::Queued.is_over() && !JobStatus::Running.is_over());
    assert!(JobStatus::Succeeded.is_over() && JobStatus::Failed.is_over());
}

#[test]
fn the_heartbeat_is_well_inside_the_stale_bound() {
    let policy = JobPolicy::default();
    assert_eq!(policy.ttl, Duration::from_secs(86_400));
    assert!(policy.heartbeat() * 3 < policy.stale_after);
}

//! Random faults and latency (`MOCK_FAULT_RATE`, `MOCK_LATENCY_MS`), drawn from a fixed
//! sequence instead of a random source.

use super::*;

/// Draws `values` in turn, then 0.
fn sequence(values: &[f64]) -> Random {
    let values = Mutex::new(values.to_vec());
    Arc::new(move || {
        let mut values = values.lock().expect("not poisoned");
        if values.is_empty() {
            0.0
        } else {
            values.remove(0)
        }
    })
}

fn faults(rate: f64, min_ms: u64, max_ms: u64) -> MockFaults {
    MockFaults {
        rate,
        latency: Latency {
            min: Duration::from_millis(min_ms),
            max: Duration::from_millis(max_ms),
        },
    }
}

#[tokio::test]
async fn a_fault_rate_of_one_always_faults_and_zero_never() {
    let always = api_over(true, None, Some(StoreError::NotFound))
        .with_mock_faults(faults(1.0, 0, 0), Arc::new(|| 0.999_999));
    let never = api_over(true, None, Some(StoreError::NotFound))
        .with_mock_faults(faults(0.0, 0, 0), Arc::new(|| 0.0));
    for _ in 0..20 {
        let faulted = always.handle(request(Operation::GetPersona)).await;
        assert_eq!(error(&faulted)["code"], "INTERNAL");
        let normal = never.handle(request(Operation::GetPersona)).await;
        assert_eq!(error(&normal)["code"], "NOT_FOUND");
    }
}

#[tokio::test]
async fn a_random_fault_is_drawn_uniformly_among_its_operations_faults() {
    // Each request draws twice: whether it fails (below the rate), then which fault.
    let draws: Vec<f64> = (0..6).flat_map(|i| [0.49, f64::from(i) / 6.0]).collect();
    let api = api_over(true, None, None).with_mock_faults(faults(0.5, 0, 0), sequence(&draws));
    let mut codes = Vec::new();
    for _ in 0..6 {
        let answer = api.handle(request(Operation::ProcessPersona)).await;
        codes.push(error(&answer)["code"].as_str().unwrap_or("").to_owned());
    }
    let expected = [
        "RATE_LIMITED",
        "UPSTREAM_TIMEOUT",
        "UPSTREAM_UNAVAILABLE",
        "EXTRACTION_FAILED",
        "REFUSED",
        "INTERNAL",
    ];
    assert_eq!(codes, expected);
    // Save has four faults; a draw at the rate or above lets the request through.
    let draws = [0.1, 0.0, 0.1, 0.25, 0.1, 0.5, 0.1, 0.99, 0.5];
    let api = api_over(true, None, Some(StoreError::NotFound))
        .with_mock_faults(faults(0.5, 0, 0), sequence(&draws));
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(api.handle(request(Operation::SavePersona)).await.status);
    }
    assert_eq!(statuses, [429, 504, 503, 500, 404]);
}

#[tokio::test]
async fn the_latency_is_drawn_from_its_range_and_precedes_faults_too() {
    let draws = [0.0, 0.5, 0.999_999];
    let (api, slept) = recorded_timer(
        api_over(true, None, Some(StoreError::NotFound))
            .with_mock_faults(faults(0.0, 500, 2_500), sequence(&draws)),
    );
    for _ in draws {
        assert_eq!(api.handle(request(Operation::GetPersona)).await.status, 404);
    }
    let ms = |v: &[u64]| {
        v.iter()
            .map(|m| Duration::from_millis(*m))
            .collect::<Vec<_>>()
    };
    assert_eq!(*slept.lock().unwrap(), ms(&[500, 1_500, 2_500]));

    let (api, slept) = recorded_timer(
        api_over(true, None, None).with_mock_faults(faults(0.0, 800, 800), sequence(&[])),
    );
    let answer = api.handle(named(Operation::SavePersona, "INTERNAL")).await;
    assert_eq!(answer.status, 500);
    assert_eq!(*slept.lock().unwrap(), ms(&[800]));
}

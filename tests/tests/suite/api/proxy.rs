//! Rate limits behind proxies: the client's address comes from the one source the operator
//! names, and nothing else a client sends can change it.

use super::helpers::{TestApp, spawn_app};

/// GET /api/openapi.json with these header lines, in order; the status.
async fn openapi_with(app: &TestApp, lines: &[(&str, &str)]) -> u16 {
    let request = lines
        .iter()
        .fold(app.client.get(app.url("/api/openapi.json")), |r, (n, v)| {
            // `header` appends: a name given twice is sent on two lines.
            r.header(*n, *v)
        });
    app.send(request).await.status
}

/// Three requests a minute for openapi, the addresses read as `vars` say.
async fn limited(vars: &[(&str, &str)]) -> TestApp {
    let mut all = vec![
        ("RATE_LIMIT_PER_MINUTE", "openapi=3"),
        ("USE_MOCK_DATA", "true"),
    ];
    all.extend_from_slice(vars);
    spawn_app(&all).await
}

#[tokio::test]
async fn a_client_rotating_its_own_forwarded_for_line_is_still_limited() {
    let app = limited(&[("TRUSTED_CLIENT_IP_HEADER", "x-forwarded-for")]).await;
    let mut statuses = Vec::new();
    for n in 0..13 {
        let forged = format!("6.6.6.{n}");
        let rotated_nf = format!("7.7.7.{n}");
        statuses.push(
            openapi_with(
                &app,
                &[
                    // The client's own line, then the line the proxy appended.
                    ("x-forwarded-for", &forged),
                    ("x-forwarded-for", "203.0.113.7"),
                    ("x-nf-client-connection-ip", &rotated_nf),
                ],
            )
            .await,
        );
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        3,
        "{statuses:?}"
    );
    assert!(statuses[3..].iter().all(|s| *s == 429), "{statuses:?}");
    // Another client, as the proxy saw it, has its own budget: the header is read, not the peer.
    assert_eq!(
        openapi_with(&app, &[("x-forwarded-for", "203.0.113.8")]).await,
        200
    );
}

#[tokio::test]
async fn behind_two_proxies_the_second_entry_from_the_right_is_the_client() {
    let app = limited(&[
        ("TRUSTED_CLIENT_IP_HEADER", "x-forwarded-for"),
        ("TRUSTED_PROXY_HOPS", "2"),
    ])
    .await;
    for n in 0..3 {
        let line = format!("6.6.6.{n}, 203.0.113.7");
        assert_eq!(
            openapi_with(
                &app,
                &[("x-forwarded-for", &line), ("x-forwarded-for", "10.1.1.1")]
            )
            .await,
            200
        );
    }
    // Same client, another inner proxy address and another forged prefix: still the same client.
    assert_eq!(
        openapi_with(
            &app,
            &[("x-forwarded-for", "9.9.9.9, 203.0.113.7, 10.1.1.2")]
        )
        .await,
        429
    );
}

#[tokio::test]
async fn ipv6_clients_share_a_budget_per_64() {
    let app = limited(&[("TRUSTED_CLIENT_IP_HEADER", "x-forwarded-for")]).await;
    for host in ["2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff::3"] {
        assert_eq!(openapi_with(&app, &[("x-forwarded-for", host)]).await, 200);
    }
    assert_eq!(
        openapi_with(&app, &[("x-forwarded-for", "2001:db8:1:2:abcd::9")]).await,
        429
    );
    assert_eq!(
        openapi_with(&app, &[("x-forwarded-for", "2001:db8:1:3::1")]).await,
        200,
        "the next /64 is another client"
    );
}

#[tokio::test]
async fn without_a_trusted_header_every_proxy_header_is_ignored() {
    let app = limited(&[]).await;
    let mut statuses = Vec::new();
    for n in 0..5 {
        let forged = format!("6.6.6.{n}");
        statuses.push(
            openapi_with(
                &app,
                &[
                    ("x-forwarded-for", forged.as_str()),
                    ("x-nf-client-connection-ip", forged.as_str()),
                ],
            )
            .await,
        );
    }
    assert_eq!(statuses, [200, 200, 200, 429, 429]);
}

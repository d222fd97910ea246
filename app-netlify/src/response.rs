//! From the API's [`Response`] to an API Gateway proxy response, as Netlify expects it back.
//!
//! Headers go in `headers`; a name with several values also goes in `multiValueHeaders` (the
//! API sends none today). A body that is text is sent as it is with `isBase64Encoded: false`
//! (every body the API writes is JSON); anything else is base64. An empty body is `""`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use lambda_http::Body;
use lambda_http::aws_lambda_events::apigw::ApiGatewayProxyResponse;
use lambda_http::http::{HeaderMap, HeaderName, HeaderValue};
use persona_api::Response;
use tracing::warn;

/// The proxy response for `response`.
pub fn to_proxy_response(response: Response) -> ApiGatewayProxyResponse {
    let mut all = HeaderMap::new();
    for (name, value) in &response.headers {
        match (
            HeaderName::try_from(name.as_str()),
            HeaderValue::try_from(value.as_str()),
        ) {
            (Ok(name), Ok(value)) => {
                all.append(name, value);
            }
            // The API only writes valid headers; one that is not is dropped, not sent broken.
            _ => warn!(header = %name, "dropping a header that is not valid HTTP"),
        }
    }
    let mut headers = HeaderMap::new();
    let mut multi_value_headers = HeaderMap::new();
    for name in all.keys() {
        let mut values = all.get_all(name).iter();
        if let Some(first) = values.next() {
            headers.insert(name.clone(), first.clone());
        }
        if all.get_all(name).iter().count() > 1 {
            for value in all.get_all(name) {
                multi_value_headers.append(name.clone(), value.clone());
            }
        }
    }
    let (body, is_base64_encoded) = match String::from_utf8(response.body) {
        Ok(text) => (Body::Text(text), false),
        Err(e) => (Body::Text(STANDARD.encode(e.into_bytes())), true),
    };
    let mut proxy = ApiGatewayProxyResponse::default();
    proxy.status_code = i64::from(response.status);
    proxy.headers = headers;
    proxy.multi_value_headers = multi_value_headers;
    proxy.body = Some(body);
    proxy.is_base64_encoded = is_base64_encoded;
    proxy
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn as_json(response: Response) -> Value {
        serde_json::to_value(to_proxy_response(response)).expect("serialises")
    }

    #[test]
    fn a_json_answer_is_sent_as_text_with_its_headers() {
        let sent = as_json(Response {
            status: 405,
            headers: vec![
                ("content-type".into(), "application/json".into()),
                ("allow".into(), "POST, OPTIONS".into()),
            ],
            body: br#"{"success":false}"#.to_vec(),
        });
        assert_eq!(
            sent,
            json!({
                "statusCode": 405,
                "headers": { "content-type": "application/json", "allow": "POST, OPTIONS" },
                "multiValueHeaders": {},
                "body": "{\"success\":false}",
                "isBase64Encoded": false,
            })
        );
    }

    #[test]
    fn an_empty_answer_has_an_empty_text_body() {
        let sent = as_json(Response {
            status: 204,
            headers: vec![("allow".into(), "GET, OPTIONS".into())],
            body: Vec::new(),
        });
        assert_eq!(
            (sent["statusCode"].as_i64(), &sent["body"]),
            (Some(204), &json!(""))
        );
        assert_eq!(sent["isBase64Encoded"], false);
    }

    #[test]
    fn repeated_headers_are_also_sent_multi_valued() {
        let sent = as_json(Response {
            status: 200,
            headers: vec![
                ("vary".into(), "origin".into()),
                ("vary".into(), "accept".into()),
            ],
            body: b"{}".to_vec(),
        });
        assert_eq!(sent["headers"]["vary"], "origin");
        assert_eq!(
            sent["multiValueHeaders"]["vary"],
            json!(["origin", "accept"])
        );
    }

    #[test]
    fn a_body_that_is_not_text_is_base64() {
        let sent = as_json(Response {
            status: 200,
            headers: Vec::new(),
            body: vec![0xff, 0x00],
        });
        assert_eq!(
            (&sent["body"], &sent["isBase64Encoded"]),
            (&json!("/wA="), &json!(true))
        );
    }

    #[test]
    fn an_invalid_header_is_dropped_not_sent() {
        let sent = as_json(Response {
            status: 200,
            headers: vec![("bad name".into(), "x".into()), ("ok".into(), "y".into())],
            body: Vec::new(),
        });
        assert_eq!(sent["headers"], json!({ "ok": "y" }));
    }
}

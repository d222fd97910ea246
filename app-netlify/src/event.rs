//! From a Netlify (API Gateway v1) event to the API's neutral [`Request`].
//!
//! The event is read as JSON first and made acceptable to `lambda_http`'s own event type,
//! because the Netlify CLI sends shapes that type refuses as they are:
//!
//! - `null` values in `multiValueHeaders` (`"x-nf-account-id": [null]` on an unlinked site) and
//!   in the query maps;
//! - no `requestContext.httpMethod` (or no `requestContext` at all): the method is filled from
//!   the top-level `httpMethod`, and the other way round.
//!
//! The path is kept as the client asked for it (`/.netlify/functions/NAME` directly, `/api/NAME`
//! through a redirect); the function routes by its own name, never by the path. The query is
//! Netlify's `rawQuery` when the event has one, else rebuilt from the parameter maps. A
//! `isBase64Encoded` body is decoded.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use lambda_http::aws_lambda_events::apigw::ApiGatewayProxyRequest;
use persona_api::Request;
use serde_json::{Map, Value};
use thiserror::Error;

/// Why an event cannot be read as an HTTP request. Only a broken platform sends one: the message
/// names the field, never a value.
#[derive(Debug, Error)]
pub enum EventError {
    /// serde's own message is left out: it can quote the value it choked on.
    #[error("the event is not an API Gateway v1 proxy event")]
    Shape,
    #[error("the event has isBase64Encoded but its body is not valid base64")]
    Base64,
}

/// Reads a Netlify event as the API's neutral request.
///
/// # Errors
///
/// When the event, once tidied, is still no API Gateway v1 proxy event, or its body claims to be
/// base64 and is not.
pub fn to_request(event: Value) -> Result<Request, EventError> {
    let event = tidy(event);
    let raw_query = event
        .get("rawQuery")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let parsed: ApiGatewayProxyRequest =
        serde_json::from_value(event).map_err(|_| EventError::Shape)?;
    let query = raw_query
        .or_else(|| rebuilt_query(&parsed))
        .filter(|q| !q.is_empty());
    let body = match parsed.body {
        None => Vec::new(),
        Some(text) if parsed.is_base64_encoded => {
            STANDARD.decode(text).map_err(|_| EventError::Base64)?
        }
        Some(text) => text.into_bytes(),
    };
    Ok(Request {
        peer: parsed
            .request_context
            .identity
            .source_ip
            .as_deref()
            .and_then(|ip| ip.parse().ok()),
        method: parsed.http_method.as_str().to_owned(),
        path: parsed.path.unwrap_or_else(|| "/".to_owned()),
        query,
        headers: headers(&parsed.multi_value_headers, &parsed.headers),
        body,
    })
}

/// Makes a Netlify event acceptable to `lambda_http`'s event type (see the module docs).
fn tidy(mut event: Value) -> Value {
    let Some(fields) = event.as_object_mut() else {
        return event;
    };
    for key in [
        "headers",
        "multiValueHeaders",
        "queryStringParameters",
        "multiValueQueryStringParameters",
    ] {
        if let Some(Value::Object(map)) = fields.get_mut(key) {
            drop_nulls(map);
        }
    }
    let top = fields
        .get("httpMethod")
        .and_then(Value::as_str)
        .map(str::to_owned);
    if !fields.get("requestContext").is_some_and(Value::is_object) {
        fields.insert("requestContext".into(), Value::Object(Map::new()));
    }
    let context = fields
        .get_mut("requestContext")
        .and_then(Value::as_object_mut)
        .expect("inserted above");
    let inner = context
        .get("httpMethod")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let method = top.or(inner).unwrap_or_else(|| "GET".to_owned());
    context.insert("httpMethod".into(), Value::String(method.clone()));
    fields.insert("httpMethod".into(), Value::String(method));
    event
}

/// Removes `null` values, `null` items of arrays, and entries left with no value.
fn drop_nulls(map: &mut Map<String, Value>) {
    map.retain(|_, value| match value {
        Value::Null => false,
        Value::Array(items) => {
            items.retain(|item| !item.is_null());
            !items.is_empty()
        }
        _ => true,
    });
}

/// The query rebuilt from the parameter maps (multi-valued preferred: the single-valued map
/// joins repeated values with commas), sorted by name so it is the same on every call.
fn rebuilt_query(event: &ApiGatewayProxyRequest) -> Option<String> {
    let map = if event.multi_value_query_string_parameters.is_empty() {
        &event.query_string_parameters
    } else {
        &event.multi_value_query_string_parameters
    };
    let mut pairs: Vec<(&str, &str)> = map.iter().collect();
    if pairs.is_empty() {
        return None;
    }
    pairs.sort_unstable();
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.extend_pairs(pairs);
    Some(query.finish())
}

/// Every header once: the multi-valued map's values, then the single-valued map's for names the
/// first lacks. Values that are not text are left out, as the actix door does.
fn headers(
    multi: &lambda_http::http::HeaderMap,
    single: &lambda_http::http::HeaderMap,
) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = Vec::new();
    for (name, value) in multi {
        if let Ok(value) = value.to_str() {
            headers.push((name.as_str().to_owned(), value.to_owned()));
        }
    }
    for (name, value) in single {
        if multi.contains_key(name) {
            continue;
        }
        if let Ok(value) = value.to_str() {
            headers.push((name.as_str().to_owned(), value.to_owned()));
        }
    }
    headers
}

#[cfg(test)]
mod tests;

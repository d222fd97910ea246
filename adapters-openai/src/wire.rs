//! The Chat Completions wire format: the request this adapter sends, and the parts of a completion
//! and of an error body it reads. Every other field is ignored, so compatible servers that send
//! less (llama.cpp has no `refusal`) or more still parse.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The body of `POST /chat/completions`.
///
/// The completion budget goes in `max_tokens`, not in the newer `max_completion_tokens`: OpenAI
/// still accepts `max_tokens` for every non-reasoning chat model, and it is the field every
/// compatible server (Ollama, vLLM, llama.cpp, LM Studio, Azure) understands.
#[derive(Debug, Serialize)]
pub(crate) struct ChatRequest<'a> {
    pub model: &'a str,
    pub messages: &'a [Message],
    pub response_format: &'a Value,
    pub max_tokens: u32,
    pub temperature: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frequency_penalty: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<i64>,
    /// Always true: the answer is read as it is written, so a runaway can be stopped.
    pub stream: bool,
    pub stream_options: StreamOptions,
}

/// `stream_options`: the usage comes in a last chunk of its own.
#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct StreamOptions {
    pub include_usage: bool,
}

/// One event of a streamed completion (`CreateChatCompletionStreamResponse`), or an error a
/// server sends mid-stream instead.
#[derive(Debug, Deserialize)]
pub(crate) struct StreamChunk {
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub choices: Vec<StreamChoice>,
    #[serde(default)]
    pub usage: Option<TokenUsage>,
    #[serde(default)]
    pub error: Option<ApiError>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct StreamChoice {
    #[serde(default)]
    pub delta: AnswerMessage,
    #[serde(default)]
    pub finish_reason: Option<String>,
}

/// One chat message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Message {
    pub role: Role,
    pub content: String,
}

impl Message {
    pub fn system(content: impl Into<String>) -> Self {
        Self {
            role: Role::System,
            content: content.into(),
        }
    }

    pub fn user(content: impl Into<String>) -> Self {
        Self {
            role: Role::User,
            content: content.into(),
        }
    }

    pub fn assistant(content: impl Into<String>) -> Self {
        Self {
            role: Role::Assistant,
            content: content.into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Role {
    System,
    User,
    Assistant,
}

/// How the answer is constrained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OutputFormat {
    /// Structured outputs: the server enforces the strict schema.
    JsonSchema,
    /// JSON mode, for models without structured outputs: the schema is stated in the system
    /// prompt and only this adapter's validation enforces it.
    JsonObject,
}

impl OutputFormat {
    /// The `response_format` field for this format.
    pub fn response_format(self, schema_name: &str, schema: &Value) -> Value {
        match self {
            Self::JsonSchema => json!({
                "type": "json_schema",
                "json_schema": { "name": schema_name, "strict": true, "schema": schema },
            }),
            Self::JsonObject => json!({ "type": "json_object" }),
        }
    }
}

/// The parts of a completion this adapter reads.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ChatResponse {
    #[serde(default)]
    pub model: Option<String>,
    pub choices: Vec<Choice>,
    #[serde(default)]
    pub usage: Option<TokenUsage>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Choice {
    #[serde(default)]
    pub message: AnswerMessage,
    #[serde(default)]
    pub finish_reason: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct AnswerMessage {
    #[serde(default)]
    pub content: Option<String>,
    #[serde(default)]
    pub refusal: Option<String>,
}

#[derive(Debug, Default, Clone, Copy, Deserialize)]
pub(crate) struct TokenUsage {
    #[serde(default)]
    pub prompt_tokens: u32,
    #[serde(default)]
    pub completion_tokens: u32,
}

/// The `error` object of an error body, every field optional.
#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
pub(crate) struct ApiError {
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub param: Option<Value>,
    /// A string on OpenAI, an integer on llama.cpp.
    #[serde(default)]
    pub code: Option<Value>,
}

impl ApiError {
    /// Reads `{"error": {...}}`; anything else (HTML from a proxy, an empty body) gives an error
    /// with no fields.
    pub fn parse(body: &[u8]) -> Self {
        #[derive(Deserialize)]
        struct Envelope {
            error: ApiError,
        }
        serde_json::from_slice::<Envelope>(body)
            .map(|e| e.error)
            .unwrap_or_default()
    }

    /// The code as text: `"insufficient_quota"`, or `"400"` for an integer code.
    pub fn code_text(&self) -> Option<String> {
        match &self.code {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Null) | None => None,
            Some(other) => Some(other.to_string()),
        }
    }

    /// Whether `code` or `type` is `name`.
    pub fn is(&self, name: &str) -> bool {
        self.code_text().as_deref() == Some(name) || self.kind.as_deref() == Some(name)
    }

    /// A label for logs and error reasons: the upstream code and type, never the message (it
    /// may quote the request).
    pub fn label(&self) -> String {
        match (self.code_text(), self.kind.as_deref()) {
            (Some(code), Some(kind)) if code != kind => format!("code {code}, type {kind}"),
            (Some(code), _) => format!("code {code}"),
            (None, Some(kind)) => format!("type {kind}"),
            (None, None) => "no error code".to_owned(),
        }
    }

    /// Whether the error says the model does not support `response_format: json_schema`.
    pub fn rejects_json_schema(&self) -> bool {
        let param = match &self.param {
            Some(Value::String(p)) => p.as_str(),
            _ => "",
        };
        let message = self.message.as_deref().unwrap_or_default();
        [param, message].iter().any(|text| {
            let text = text.to_ascii_lowercase();
            text.contains("response_format") || text.contains("json_schema")
        })
    }
}

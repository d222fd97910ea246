//! Request and response bodies: the wire types of the API.

use persona_domain::{
    Grounding, Metadata, Persona, PersonaDraft, PersonaId, SourceCounts, Warning,
};
use serde::{Deserialize, Serialize};

/// `POST /api/process-persona`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ProcessRequest {
    /// Free-text blocks about one person: 1 to 50, each up to 100,000 characters, 300,000 in all.
    #[schemars(
        length(min = 1, max = 50),
        inner(length(min = 1, max = 100_000), regex(pattern = r"\S"))
    )]
    pub text_blocks: Vec<String>,
    /// Absolute http(s) links about the person: up to 50, each up to 2,048 characters.
    #[serde(default)]
    #[schemars(
        length(max = 50),
        inner(
            length(min = 1, max = 2_048),
            regex(pattern = r"^\s*[Hh][Tt][Tt][Pp][Ss]?://[^\s/?#]+")
        )
    )]
    pub links: Vec<String>,
}

/// `POST /api/save-persona`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SaveRequest {
    /// The reviewed persona, as process-persona returned it (edited or not).
    pub persona: PersonaDraft,
    /// How much material the persona came from, for the metadata.
    #[serde(default)]
    pub source: Option<SourceCounts>,
    /// The grounding process-persona returned, kept with the persona so a chat frontend can tell
    /// stated facts from guesses. Checked against the saved persona: every pointer must name a
    /// value it has. Left out or null when there is none.
    #[serde(default)]
    #[schemars(schema_with = "grounding_or_null")]
    pub grounding: Option<Grounding>,
}

/// [`Grounding`]'s own schema, inline, with `null` added to its `type`. `Option`'s usual schema
/// (`anyOf` a reference and null) would make a validator report a wrong grounding as "matches
/// neither" at `/grounding`; this one still points at the part inside that is wrong.
fn grounding_or_null(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let mut schema = <Grounding as schemars::JsonSchema>::json_schema(generator);
    schema.insert("type".into(), serde_json::json!(["object", "null"]));
    schema
}

/// `data` of a process-persona answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ProcessData {
    pub persona: Persona,
    /// What the merge of a chunked material's drafts (`CONFLICTING_VALUES`), the rules and the
    /// grounding changed in the model's draft.
    pub warnings: Vec<Warning>,
    /// What the source supports in the persona, field by field.
    pub grounding: Grounding,
    pub usage: UsageData,
}

/// What a process-persona call cost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct UsageData {
    pub model: String,
    pub prompt_tokens: u32,
    pub completion_tokens: u32,
    /// Calls made to the model, retries included.
    pub attempts: u32,
    /// The chunks of the material read, each in its own extraction: 1 when it fitted the model's
    /// context whole; more for longer material, whose chunks' drafts were merged (the usage is
    /// their sum).
    #[schemars(range(min = 1))]
    pub chunks: u32,
    /// Whether the persona came from the process cache rather than the model: then the tokens
    /// and attempts here are 0, and `original` says what the first extraction cost.
    pub cached: bool,
    /// Present when `cached`: the usage of the extraction whose result the cache kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original: Option<OriginalUsage>,
}

/// What the extraction a cached answer came from cost, when it ran.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct OriginalUsage {
    pub model: String,
    pub prompt_tokens: u32,
    pub completion_tokens: u32,
    /// Calls made to the model, retries included.
    pub attempts: u32,
}

/// `data` of a save-persona answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct SaveData {
    pub id: PersonaId,
    pub metadata: Metadata,
}

/// `data` of a get-persona answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct GetData {
    pub id: PersonaId,
    pub persona: Persona,
    /// The grounding saved with the persona, when it was saved with one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grounding: Option<Grounding>,
    pub metadata: Metadata,
}

/// `data` of a health answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct HealthData {
    pub status: &'static str,
    /// `mock` when `USE_MOCK_DATA` is on, else `real`.
    pub mode: &'static str,
    /// The extractor adapter in use (`mock`, `openai`).
    pub extractor: &'static str,
    /// The store adapter in use (`memory`, `fs`, `supabase`).
    pub store: &'static str,
    /// The model the extractor asks (absent for the mock).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// The Supabase bucket personas are saved in (absent for other stores).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bucket: Option<String>,
    pub version: &'static str,
}

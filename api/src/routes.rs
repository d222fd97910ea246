//! The operations of the API and where each lives.

/// One operation of the API. A front door that already knows its operation (a Netlify function
/// knows its own name) hands it to [`crate::Api::handle_operation`]; others route by path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    ProcessPersona,
    SavePersona,
    GetPersona,
    /// A background job's state, at `/api/get-job?id=`.
    GetJob,
    /// Runs a queued job to its end: the Netlify background function `process-persona-background`
    /// (the server hands the job to its pool).
    RunJob,
    Health,
    /// The OpenAPI document, at `/api/openapi.json`.
    OpenApi,
    /// The persona's JSON Schema, at `/api/schema/persona.json`.
    PersonaSchema,
}

impl Operation {
    pub const ALL: [Self; 8] = [
        Self::ProcessPersona,
        Self::SavePersona,
        Self::GetPersona,
        Self::GetJob,
        Self::RunJob,
        Self::Health,
        Self::OpenApi,
        Self::PersonaSchema,
    ];

    /// The operation's name: the last path segment and the Netlify function's name.
    pub fn name(self) -> &'static str {
        match self {
            Self::ProcessPersona => "process-persona",
            Self::SavePersona => "save-persona",
            Self::GetPersona => "get-persona",
            Self::GetJob => "get-job",
            Self::RunJob => "process-persona-background",
            Self::Health => "health",
            Self::OpenApi => "openapi",
            Self::PersonaSchema => "persona-schema",
        }
    }

    /// The one method the operation answers (besides `OPTIONS`).
    pub fn method(self) -> &'static str {
        match self {
            Self::ProcessPersona | Self::SavePersona | Self::RunJob => "POST",
            Self::GetPersona
            | Self::GetJob
            | Self::Health
            | Self::OpenApi
            | Self::PersonaSchema => "GET",
        }
    }

    /// Where the operation lives.
    pub fn path(self) -> &'static str {
        match self {
            Self::ProcessPersona => "/api/process-persona",
            Self::SavePersona => "/api/save-persona",
            Self::GetPersona => "/api/get-persona",
            Self::GetJob => "/api/get-job",
            Self::RunJob => "/api/process-persona-background",
            Self::Health => "/api/health",
            Self::OpenApi => "/api/openapi.json",
            Self::PersonaSchema => "/api/schema/persona.json",
        }
    }

    /// The operation named `name`, e.g. a Netlify function's name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|op| op.name() == name)
    }

    /// The operation at `path` (one trailing slash tolerated).
    pub fn from_path(path: &str) -> Option<Self> {
        let path = path.strip_suffix('/').unwrap_or(path);
        Self::ALL.into_iter().find(|op| op.path() == path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_is_found_at_its_path_and_by_its_name() {
        for op in Operation::ALL {
            assert_eq!(Operation::from_path(op.path()), Some(op));
            assert_eq!(Operation::from_path(&format!("{}/", op.path())), Some(op));
            assert_eq!(Operation::from_name(op.name()), Some(op));
        }
    }

    #[test]
    fn other_paths_are_no_operation() {
        for path in [
            "/",
            "/api",
            "/api/",
            "/api/process-persona/x",
            "/process-persona",
            "/api/PROCESS-PERSONA",
            "/api/openapi",
            "/api/persona-schema",
            "/api/schema/persona.json/x",
        ] {
            assert_eq!(Operation::from_path(path), None, "{path}");
        }
    }
}

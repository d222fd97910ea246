//! PersonaExtractor over any OpenAI-compatible Chat Completions API.

//! PersonaStore over the Supabase Storage REST API.

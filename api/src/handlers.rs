//! The handlers: one per operation, each reading its input, calling the [`PersonaService`] and
//! shaping its data. Every failure is returned as it is (a port error, a [`Refusal`]) and
//! becomes an answer in [`crate::error`].
//!
//! [`PersonaService`]: persona_ports::PersonaService

use persona_domain::{Grounding, PersonaId, SourceBundle, SourceCounts, StoredPersona};
use persona_ports::{Persona, ProcessOptions, Processed, offloaded};

use crate::conditional::{IfNoneMatch, etag};
use crate::dto::{
    GetData, HealthData, OriginalUsage, ProcessData, ProcessRequest, SaveData, SaveRequest,
    UsageData,
};
use crate::envelope::{Answer, envelope};
use crate::error::{ApiError, Part, Refusal};
use crate::pipeline::Outcome;
use crate::{Api, Operation, Request, body, jobs, openapi};

/// Bodies up to this size are read and checked on the request's own task, without the offload.
/// The worst such body found (every list at its cap, 108 grounding entries whose signatures are
/// all checked) is a whole save of 1.1 ms median in a release build (BENCHMARKS.md,
/// "Adversarial inputs", `save-16k`): a short, fixed hold of the worker. The offload's hand-over
/// and hand-back cost two thread wake-ups, which on an idle two-core machine were a third of a
/// small save's time beyond its storage call.
pub(crate) const INLINE_BODY_BYTES: usize = 16 * 1024;

impl Api {
    /// The handler of `operation`, once the route, method and rate limit have passed.
    pub(crate) async fn dispatch(
        &self,
        operation: Operation,
        request: &Request,
        log: &mut Outcome,
    ) -> Result<Answer, ApiError> {
        match operation {
            Operation::ProcessPersona => {
                log.adapter = Some(self.service.extractor_name());
                self.process(request, log).await
            }
            Operation::SavePersona => {
                log.adapter = Some(self.service.store_name());
                self.save(request).await
            }
            Operation::GetPersona => {
                log.adapter = Some(self.service.store_name());
                self.get(request).await
            }
            Operation::GetJob => self.get_job(request, log).await,
            Operation::RunJob => {
                log.adapter = Some(self.service.records().name());
                self.run_job_request(request).await
            }
            Operation::Health => Ok(self.health()),
            Operation::OpenApi => Ok(Answer::Document(&openapi::DOCUMENT)),
            Operation::PersonaSchema => Ok(Answer::Document(&openapi::PERSONA_SCHEMA)),
        }
    }

    fn health(&self) -> Answer {
        Answer::ok(&HealthData {
            status: "ok",
            mode: if self.settings.mock_mode {
                "mock"
            } else {
                "real"
            },
            extractor: self.service.extractor_name(),
            store: self.service.store_name(),
            model: self.settings.model.clone(),
            bucket: self.settings.bucket.clone(),
            version: env!("CARGO_PKG_VERSION"),
        })
    }

    async fn process(&self, request: &Request, log: &mut Outcome) -> Result<Answer, ApiError> {
        let bundle = self.on_body(request, read_bundle).await?;
        if self.runs_jobs() && jobs::prefers_async(request) {
            log.adapter = Some(self.service.records().name());
            return self.submit_job(request, &bundle, &log.request_id).await;
        }
        self.mock_scenario(Operation::ProcessPersona, request)
            .await?;
        let options = ProcessOptions {
            fresh: wants_fresh(request),
        };
        let processed = self
            .service
            .process_observed(&bundle, options, &|_| {})
            .await
            .map_err(|failure| {
                // A failed extraction still cost attempts and tokens; the request line says so.
                if let Some(usage) = &failure.usage {
                    log.spent(usage);
                }
                failure.error
            })?;
        log.spent(&processed.usage);
        Ok(Answer::ok(&self.process_data(processed)))
    }

    /// What a process-persona answer (or a job that succeeded) carries: the persona with its
    /// grounding signed.
    pub(crate) fn process_data(&self, processed: Processed) -> ProcessData {
        let mut grounding = processed.grounding;
        self.signatures.sign(&mut grounding, &processed.persona);
        ProcessData {
            persona: processed.persona,
            warnings: processed.warnings,
            grounding,
            usage: UsageData {
                model: processed.usage.model,
                prompt_tokens: processed.usage.prompt_tokens,
                completion_tokens: processed.usage.completion_tokens,
                attempts: processed.usage.attempts,
                chunks: processed.chunks,
                cached: processed.cached,
                original: processed.original_usage.map(|usage| OriginalUsage {
                    model: usage.model,
                    prompt_tokens: usage.prompt_tokens,
                    completion_tokens: usage.completion_tokens,
                    attempts: usage.attempts,
                }),
            },
        }
    }

    async fn save(&self, request: &Request) -> Result<Answer, ApiError> {
        let (persona, source, mut grounding) = self.on_body(request, read_save).await?;
        if let Some(grounding) = &mut grounding {
            self.signatures.verify(grounding, &persona)?;
        }
        self.mock_scenario(Operation::SavePersona, request).await?;
        let saved = self.service.save(persona, source, grounding).await?;
        Ok(Answer::created(&SaveData {
            id: saved.id().clone(),
            metadata: saved.metadata().clone(),
        }))
    }

    /// The persona under `?id=`, tagged; 304 when the client's `If-None-Match` names it.
    async fn get(&self, request: &Request) -> Result<Answer, ApiError> {
        let raw = request.query_param("id").ok_or(Refusal::MissingId)?;
        let id = PersonaId::parse(&raw).map_err(Refusal::BadId)?;
        let condition = IfNoneMatch::of(request)?;
        self.mock_scenario(Operation::GetPersona, request).await?;
        let stored: StoredPersona = self.service.get(&id).await?;
        let body = envelope(&GetData {
            id: stored.id().clone(),
            persona: stored.persona().clone(),
            grounding: stored.grounding().cloned(),
            metadata: stored.metadata().clone(),
        });
        let etag = etag(&body);
        if condition.is_some_and(|c| c.matches(&etag)) {
            return Ok(Answer::NotModified { etag });
        }
        Ok(Answer::Tagged { body, etag })
    }

    /// `read(request)`, through the offload when there is one and the body is over
    /// [`INLINE_BODY_BYTES`] (with a copy of the request, as the job may outlive this task when
    /// the deadline passes). A smaller body is read here: its reading costs less than the two
    /// thread hops of the offload.
    pub(crate) async fn on_body<T: Send + 'static>(
        &self,
        request: &Request,
        read: fn(&Request) -> T,
    ) -> T {
        match &self.offload {
            Some(offload) if request.body.len() > INLINE_BODY_BYTES => {
                let request = request.clone();
                offloaded(Some(offload), move || read(&request)).await
            }
            _ => read(request),
        }
    }
}

/// The bundle a process-persona body holds: the body read and validated, then the domain's
/// input rules.
fn read_bundle(request: &Request) -> Result<SourceBundle, ApiError> {
    let body: ProcessRequest = body::read(request)?;
    Ok(SourceBundle::parse(&body.text_blocks, &body.links).map_err(Refusal::Source)?)
}

/// What a save-persona body asks to keep, once the persona, the source counts and the grounding
/// have passed their checks.
fn read_save(request: &Request) -> Result<(Persona, SourceCounts, Option<Grounding>), ApiError> {
    let body: SaveRequest = body::read(request)?;
    let persona =
        Persona::parse(body.persona).map_err(|v| Refusal::Violations(Part::Persona, v))?;
    let source = body
        .source
        .unwrap_or_default()
        .check()
        .map_err(|v| Refusal::Violations(Part::Source, v))?;
    if let Some(grounding) = &body.grounding {
        grounding
            .check(&persona)
            .map_err(|v| Refusal::Violations(Part::Grounding, v))?;
    }
    Ok((persona, source, body.grounding))
}

/// Whether the client asked for a fresh extraction: `Cache-Control: no-cache` (or `max-age=0`,
/// which means the same) among the request's directives, in any case and any header line.
pub(crate) fn wants_fresh(request: &Request) -> bool {
    request
        .header_values("cache-control")
        .flat_map(|value| value.split(','))
        .map(|directive| directive.trim().to_ascii_lowercase())
        .any(|directive| directive == "no-cache" || directive == "max-age=0")
}

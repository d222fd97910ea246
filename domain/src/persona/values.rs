//! A persona field by field: [`Persona::value`] reads any [`Field`], and [`Persona::without`]
//! removes values (what strict grounding does) while keeping every rule, so nothing needs to
//! pass through the rules again.

use super::{Evidence, Field, Persona};

/// One field's value in a persona, as [`Persona::value`] gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldValue<'a> {
    /// A text field; `None` when it is null (`name` and `background` always have a text).
    Text(Option<&'a str>),
    Age(Option<u8>),
    List(&'a [String]),
    Evidence(&'a [Evidence]),
}

/// A value [`Persona::without`] removes: a whole field, or one item of a list field or of
/// `evidence`, by its index in the persona as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    Field(Field),
    Item(Field, usize),
}

impl Persona {
    /// The value of `field`.
    pub fn value(&self, field: Field) -> FieldValue<'_> {
        match field {
            Field::Name => FieldValue::Text(Some(&self.name)),
            Field::Age => FieldValue::Age(self.age),
            Field::Occupation => FieldValue::Text(self.occupation.as_deref()),
            Field::Location => FieldValue::Text(self.location.as_deref()),
            Field::Background => FieldValue::Text(Some(&self.background)),
            Field::CommunicationStyle => FieldValue::Text(self.communication_style.as_deref()),
            Field::Traits => FieldValue::List(&self.traits),
            Field::Interests => FieldValue::List(&self.interests),
            Field::Skills => FieldValue::List(&self.skills),
            Field::Values => FieldValue::List(&self.values),
            Field::Goals => FieldValue::List(&self.goals),
            Field::Languages => FieldValue::List(&self.languages),
            Field::Quotes => FieldValue::List(&self.quotes),
            Field::Evidence => FieldValue::Evidence(&self.evidence),
        }
    }

    /// The persona without the values `removals` name, every rule still kept: a removed name
    /// becomes "Unnamed persona" (as from a model that named nobody), a removed age or optional
    /// text null, a removed background empty, a removed list empty; the items a list keeps stay
    /// in their order. An index past its list, or an item of a field that is not a list,
    /// removes nothing. Nothing else changes, so no rule needs to run again.
    #[must_use]
    pub fn without(mut self, removals: &[Removal]) -> Self {
        for removal in removals {
            if let Removal::Field(field) = *removal {
                self.clear(field);
            }
        }
        for field in Field::ALL {
            let dropped: Vec<usize> = removals
                .iter()
                .filter_map(|r| match *r {
                    Removal::Item(f, index) if f == field => Some(index),
                    _ => None,
                })
                .collect();
            if dropped.is_empty() {
                continue;
            }
            if field == Field::Evidence {
                retain_unlisted(&mut self.evidence, &dropped);
            } else if let Some(items) = self.list_mut(field) {
                retain_unlisted(items, &dropped);
            }
        }
        self
    }

    fn clear(&mut self, field: Field) {
        match field {
            Field::Name => Self::UNNAMED.clone_into(&mut self.name),
            Field::Age => self.age = None,
            Field::Occupation => self.occupation = None,
            Field::Location => self.location = None,
            Field::Background => self.background.clear(),
            Field::CommunicationStyle => self.communication_style = None,
            Field::Traits => self.traits.clear(),
            Field::Interests => self.interests.clear(),
            Field::Skills => self.skills.clear(),
            Field::Values => self.values.clear(),
            Field::Goals => self.goals.clear(),
            Field::Languages => self.languages.clear(),
            Field::Quotes => self.quotes.clear(),
            Field::Evidence => self.evidence.clear(),
        }
    }

    /// The items of list field `field`; `None` for a field of another kind.
    fn list_mut(&mut self, field: Field) -> Option<&mut Vec<String>> {
        match field {
            Field::Traits => Some(&mut self.traits),
            Field::Interests => Some(&mut self.interests),
            Field::Skills => Some(&mut self.skills),
            Field::Values => Some(&mut self.values),
            Field::Goals => Some(&mut self.goals),
            Field::Languages => Some(&mut self.languages),
            Field::Quotes => Some(&mut self.quotes),
            Field::Name
            | Field::Age
            | Field::Occupation
            | Field::Location
            | Field::Background
            | Field::CommunicationStyle
            | Field::Evidence => None,
        }
    }
}

/// Keeps the items whose index is not in `dropped`.
fn retain_unlisted<T>(items: &mut Vec<T>, dropped: &[usize]) {
    let mut index = 0;
    items.retain(|_| {
        let keep = !dropped.contains(&index);
        index += 1;
        keep
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::persona::{FieldKind, PersonaDraft};

    fn ada() -> Persona {
        Persona::from_draft(PersonaDraft {
            name: Some("Ada".into()),
            age: Some(36),
            occupation: Some("mathematician".into()),
            background: "Wrote notes.".into(),
            skills: vec!["analysis".into(), "poetry".into(), "chess".into()],
            evidence: vec![Evidence {
                field: "skills".into(),
                quote: "I analyse".into(),
                source: "block:0".into(),
            }],
            ..PersonaDraft::default()
        })
        .persona
    }

    #[test]
    fn value_reads_every_field_as_its_kind() {
        let persona = ada();
        assert_eq!(persona.value(Field::Name), FieldValue::Text(Some("Ada")));
        assert_eq!(persona.value(Field::Age), FieldValue::Age(Some(36)));
        assert_eq!(persona.value(Field::Location), FieldValue::Text(None));
        assert_eq!(
            persona.value(Field::Skills),
            FieldValue::List(persona.skills())
        );
        assert_eq!(
            persona.value(Field::Evidence),
            FieldValue::Evidence(persona.evidence())
        );
        for field in Field::ALL {
            let kind = match persona.value(field) {
                FieldValue::Text(_) => FieldKind::Text,
                FieldValue::Age(_) => FieldKind::Age,
                FieldValue::List(_) => FieldKind::List,
                FieldValue::Evidence(_) => FieldKind::Evidence,
            };
            assert_eq!(kind, field.kind(), "{field}");
        }
    }

    #[test]
    fn removing_scalars_leaves_what_the_rules_would_give() {
        let persona = ada().without(&[
            Removal::Field(Field::Name),
            Removal::Field(Field::Age),
            Removal::Field(Field::Occupation),
            Removal::Field(Field::Background),
        ]);
        assert_eq!(persona.name(), Persona::UNNAMED);
        assert_eq!(persona.age(), None);
        assert_eq!(persona.occupation(), None);
        assert_eq!(persona.background(), "");
        assert_eq!(persona.skills().len(), 3);
        // The rules accept the result as it is: nothing was left for them to repair.
        assert_eq!(Persona::parse(persona.to_draft()), Ok(persona));
    }

    #[test]
    fn removing_items_by_their_index_in_the_persona_as_it_is_keeps_the_others_in_order() {
        let persona = ada().without(&[
            Removal::Item(Field::Skills, 2),
            Removal::Item(Field::Skills, 0),
            Removal::Item(Field::Skills, 7),
            Removal::Item(Field::Evidence, 0),
            Removal::Item(Field::Occupation, 0),
        ]);
        assert_eq!(persona.skills(), ["poetry"]);
        assert_eq!(persona.evidence(), []);
        assert_eq!(persona.occupation(), Some("mathematician"));
    }

    #[test]
    fn removing_a_whole_list_empties_it() {
        let persona = ada().without(&[Removal::Field(Field::Skills)]);
        assert!(persona.skills().is_empty());
        assert_eq!(persona.name(), "Ada");
    }
}

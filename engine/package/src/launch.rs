//! What the manifest says about launching one item: the values that initialise the SCO's run-time data
//! model (`cmi.launch_data`, `cmi.completion_threshold`, `cmi.scaled_passing_score`, `cmi.objectives`,
//! `cmi.max_time_allowed`, `cmi.time_limit_action`, `adl.data`, and SCORM 1.2's mastery score).
//!
//! Plain data with no run-time types, so the server and the conformance replay build their launch
//! context from the same reading. The item's `imsss:sequencing` (kept whole by the manifest parser) is
//! read here with the crate's bounded XML reader; an `IDRef` into `imsss:sequencingCollection` is
//! resolved, the item's own elements winning over the referenced ones element by element.

use serde::{Deserialize, Serialize};

use crate::manifest::{CompletionThreshold, Item, MANIFEST_FILE, Manifest, Standard};
use crate::xml::{self, Element};

const NS_IMSSS: &str = "http://www.imsglobal.org/xsd/imsss";
const NS_ADLSEQ: &str = "http://www.adlnet.org/xsd/adlseq_v1p3";

/// The launch values of one item, as the manifest gives them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ItemLaunch {
    /// `adlcp:dataFromLMS` (1.2 `adlcp:datafromlms`): `cmi.launch_data`.
    pub launch_data: Option<String>,
    /// `cmi.completion_threshold`, 0..=1: 4th edition `minProgressMeasure` (1.0 when absent) when
    /// `completedByMeasure` is true; 3rd edition's element text otherwise; `None` when not defined.
    pub completion_threshold: Option<f64>,
    /// `cmi.scaled_passing_score`, -1..=1: the primary objective's `minNormalizedMeasure` (1.0 when
    /// absent) when it is satisfied by measure.
    pub scaled_passing_score: Option<f64>,
    /// SCORM 1.2 `adlcp:masteryscore`, 0..=100.
    pub mastery_score: Option<f64>,
    /// The `objectiveID`s of the item's primary and other objectives, in manifest order, each once:
    /// `cmi.objectives` starts with them.
    pub objective_ids: Vec<String>,
    /// `cmi.max_time_allowed`: 2004's `imsss:limitConditions@attemptAbsoluteDurationLimit` (an ISO 8601
    /// duration), 1.2's `adlcp:maxtimeallowed`.
    pub max_time_allowed: Option<String>,
    /// `adlcp:timeLimitAction` (1.2 `adlcp:timelimitaction`).
    pub time_limit_action: Option<String>,
    /// `adlcp:data/adlcp:map`: the shared data stores (`adl.data`) this item may see.
    pub shared_data: Vec<SharedDataMap>,
}

/// One `adlcp:map`: a shared data store and what the item may do with it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedDataMap {
    pub target_id: String,
    /// `readSharedData` (default true).
    pub readable: bool,
    /// `writeSharedData` (default true).
    pub writable: bool,
}

/// Reads the launch values of `item`, one of `manifest`'s items.
pub fn item_launch(manifest: &Manifest, item: &Item) -> ItemLaunch {
    if manifest.standard == Standard::Scorm12 {
        return ItemLaunch {
            launch_data: item.data_from_lms.clone(),
            mastery_score: item.mastery_score,
            max_time_allowed: item.max_time_allowed.clone(),
            time_limit_action: item.time_limit_action.clone(),
            ..ItemLaunch::default()
        };
    }
    let sequencing = SequencingFacts::of(manifest, item);
    ItemLaunch {
        launch_data: item.data_from_lms.clone(),
        completion_threshold: item
            .completion_threshold
            .as_ref()
            .and_then(completion_threshold),
        scaled_passing_score: sequencing.scaled_passing_score,
        mastery_score: None,
        objective_ids: sequencing.objective_ids,
        max_time_allowed: sequencing.attempt_duration_limit,
        time_limit_action: item.time_limit_action.clone(),
        shared_data: item
            .data_maps
            .iter()
            .map(|map| SharedDataMap {
                target_id: map.target_id.clone(),
                readable: map.read_shared_data,
                writable: map.write_shared_data,
            })
            .collect(),
    }
}

fn completion_threshold(threshold: &CompletionThreshold) -> Option<f64> {
    if threshold.completed_by_measure {
        Some(threshold.min_progress_measure.unwrap_or(1.0))
    } else {
        threshold.legacy_value
    }
}

/// What the item's sequencing says that the run-time data model needs.
#[derive(Default)]
struct SequencingFacts {
    objective_ids: Vec<String>,
    scaled_passing_score: Option<f64>,
    attempt_duration_limit: Option<String>,
}

impl SequencingFacts {
    fn of(manifest: &Manifest, item: &Item) -> SequencingFacts {
        let Some(sequencing) = &item.sequencing else {
            return SequencingFacts::default();
        };
        let own = parse_fragment(&sequencing.fragment.xml);
        let referenced = sequencing
            .id_ref
            .as_deref()
            .and_then(|id| referenced_sequencing(manifest, id));
        let part = |local: &str| {
            own.as_ref()
                .and_then(|s| imsss_child(s, local))
                .or_else(|| referenced.as_ref().and_then(|s| imsss_child(s, local)))
        };
        let mut facts = SequencingFacts {
            attempt_duration_limit: part("limitConditions")
                .and_then(|limits| limits.attr("attemptAbsoluteDurationLimit"))
                .filter(|limit| !limit.is_empty())
                .map(str::to_owned),
            ..SequencingFacts::default()
        };
        if let Some(objectives) = part("objectives") {
            for objective in objectives.children.iter().filter(|c| is_imsss(c)) {
                let primary = match objective.local.as_str() {
                    "primaryObjective" => true,
                    "objective" => false,
                    _ => continue,
                };
                if let Some(id) = objective.attr("objectiveID").filter(|id| !id.is_empty())
                    && !facts.objective_ids.iter().any(|known| known == id)
                {
                    facts.objective_ids.push(id.to_owned());
                }
                if primary && objective.attr("satisfiedByMeasure").is_some_and(is_true) {
                    facts.scaled_passing_score = min_normalized_measure(objective);
                }
            }
        }
        facts
    }
}

/// `imsss:minNormalizedMeasure`, 1.0 when absent, `None` when not a number from -1 to 1.
fn min_normalized_measure(objective: &Element) -> Option<f64> {
    match imsss_child(objective, "minNormalizedMeasure") {
        None => Some(1.0),
        Some(measure) => measure
            .text
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|value| (-1.0..=1.0).contains(value)),
    }
}

/// The `imsss:sequencing` with `ID` = `id` in the manifest's sequencing collection.
fn referenced_sequencing(manifest: &Manifest, id: &str) -> Option<Element> {
    let collection = parse_fragment(&manifest.sequencing_collection.as_ref()?.xml)?;
    collection
        .children
        .into_iter()
        .find(|s| is_imsss(s) && s.local == "sequencing" && s.attr("ID") == Some(id))
}

/// Parses a fragment kept verbatim from the manifest. Its prefixes were declared on the manifest root,
/// which the fragment does not carry, so the usual ones are declared again around it.
fn parse_fragment(fragment: &str) -> Option<Element> {
    let wrapped = format!(
        "<fragment xmlns:imsss=\"{NS_IMSSS}\" xmlns:adlseq=\"{NS_ADLSEQ}\">{fragment}</fragment>"
    );
    xml::parse(&wrapped, MANIFEST_FILE)
        .ok()?
        .children
        .into_iter()
        .next()
}

/// IMS Simple Sequencing elements, or elements whose prefix was declared somewhere we cannot see.
fn is_imsss(element: &Element) -> bool {
    element.ns == NS_IMSSS || element.ns.is_empty()
}

fn imsss_child<'a>(element: &'a Element, local: &str) -> Option<&'a Element> {
    element
        .children
        .iter()
        .find(|c| c.local == local && is_imsss(c))
}

fn is_true(value: &str) -> bool {
    matches!(value, "true" | "1")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::parse_manifest;

    const MANIFEST_2004: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="launch" version="1"
    xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"
    xmlns:adlseq="http://www.adlnet.org/xsd/adlseq_v1p3"
    xmlns:imsss="http://www.imsglobal.org/xsd/imsss">
  <metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
  <organizations default="ORG">
    <organization identifier="ORG">
      <title>Launch values</title>
      <item identifier="full" identifierref="RES">
        <title>Everything</title>
        <adlcp:dataFromLMS>Launch Data Test</adlcp:dataFromLMS>
        <adlcp:timeLimitAction>continue,message</adlcp:timeLimitAction>
        <adlcp:completionThreshold completedByMeasure="true" minProgressMeasure="0.8" />
        <adlcp:data>
          <adlcp:map targetID="tarID1" />
          <adlcp:map targetID="tarID2" writeSharedData="false" />
          <adlcp:map targetID="tarID3" readSharedData="false" />
        </adlcp:data>
        <imsss:sequencing>
          <imsss:limitConditions attemptAbsoluteDurationLimit="PT1H30M" />
          <imsss:objectives>
            <imsss:primaryObjective objectiveID="PRIMARY" satisfiedByMeasure="true">
              <imsss:minNormalizedMeasure>-0.5</imsss:minNormalizedMeasure>
            </imsss:primaryObjective>
            <imsss:objective objectiveID="obj2" />
            <imsss:objective objectiveID="obj3" />
          </imsss:objectives>
          <adlseq:objectives>
            <adlseq:objective objectiveID="obj2" />
          </adlseq:objectives>
        </imsss:sequencing>
      </item>
      <item identifier="defaults" identifierref="RES">
        <title>Defaults</title>
        <adlcp:completionThreshold completedByMeasure="true" />
        <imsss:sequencing>
          <imsss:objectives>
            <imsss:primaryObjective objectiveID="P2" satisfiedByMeasure="true" />
          </imsss:objectives>
        </imsss:sequencing>
      </item>
      <item identifier="not-by-measure" identifierref="RES">
        <title>Not by measure</title>
        <adlcp:completionThreshold minProgressMeasure="0.1" />
        <imsss:sequencing>
          <imsss:objectives>
            <imsss:primaryObjective objectiveID="P3">
              <imsss:minNormalizedMeasure>0.8</imsss:minNormalizedMeasure>
            </imsss:primaryObjective>
          </imsss:objectives>
        </imsss:sequencing>
      </item>
      <item identifier="referenced" identifierref="RES">
        <title>Referenced</title>
        <imsss:sequencing IDRef="shared">
          <imsss:limitConditions attemptAbsoluteDurationLimit="PT5M" />
        </imsss:sequencing>
      </item>
      <item identifier="bare" identifierref="RES">
        <title>Nothing</title>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="RES" type="webcontent" adlcp:scormType="sco" href="sco.htm">
      <file href="sco.htm"/>
    </resource>
  </resources>
  <imsss:sequencingCollection>
    <imsss:sequencing ID="shared">
      <imsss:limitConditions attemptAbsoluteDurationLimit="PT1H" />
      <imsss:objectives>
        <imsss:primaryObjective objectiveID="SHARED-PRIMARY" satisfiedByMeasure="true">
          <imsss:minNormalizedMeasure>0.6</imsss:minNormalizedMeasure>
        </imsss:primaryObjective>
      </imsss:objectives>
    </imsss:sequencing>
  </imsss:sequencingCollection>
</manifest>"#;

    fn launches(source: &str) -> Vec<(String, ItemLaunch)> {
        let (manifest, diagnostics) = parse_manifest(source.as_bytes(), MANIFEST_FILE);
        let manifest = manifest.unwrap_or_else(|| panic!("{diagnostics:?}"));
        manifest
            .items()
            .into_iter()
            .map(|item| (item.identifier.clone(), item_launch(&manifest, item)))
            .collect()
    }

    fn launch(source: &str, identifier: &str) -> ItemLaunch {
        launches(source)
            .into_iter()
            .find(|(id, _)| id == identifier)
            .unwrap()
            .1
    }

    #[test]
    fn every_value_is_read() {
        let full = launch(MANIFEST_2004, "full");
        assert_eq!(full.launch_data.as_deref(), Some("Launch Data Test"));
        assert_eq!(full.time_limit_action.as_deref(), Some("continue,message"));
        assert_eq!(full.completion_threshold, Some(0.8));
        assert_eq!(full.scaled_passing_score, Some(-0.5));
        assert_eq!(full.objective_ids, ["PRIMARY", "obj2", "obj3"]);
        assert_eq!(full.max_time_allowed.as_deref(), Some("PT1H30M"));
        assert_eq!(full.mastery_score, None);
        let maps: Vec<_> = full
            .shared_data
            .iter()
            .map(|m| (m.target_id.as_str(), m.readable, m.writable))
            .collect();
        assert_eq!(
            maps,
            [
                ("tarID1", true, true),
                ("tarID2", true, false),
                ("tarID3", false, true)
            ],
            "readSharedData and writeSharedData default to true"
        );
    }

    #[test]
    fn defaults_apply_only_when_measured() {
        let defaults = launch(MANIFEST_2004, "defaults");
        assert_eq!(defaults.completion_threshold, Some(1.0));
        assert_eq!(defaults.scaled_passing_score, Some(1.0));
        assert_eq!(defaults.objective_ids, ["P2"]);

        let unmeasured = launch(MANIFEST_2004, "not-by-measure");
        assert_eq!(unmeasured.completion_threshold, None);
        assert_eq!(unmeasured.scaled_passing_score, None);
        assert_eq!(unmeasured.objective_ids, ["P3"]);

        assert_eq!(launch(MANIFEST_2004, "bare"), ItemLaunch::default());
    }

    #[test]
    fn idref_resolves_and_the_item_wins_element_by_element() {
        let referenced = launch(MANIFEST_2004, "referenced");
        assert_eq!(referenced.max_time_allowed.as_deref(), Some("PT5M"));
        assert_eq!(referenced.objective_ids, ["SHARED-PRIMARY"]);
        assert_eq!(referenced.scaled_passing_score, Some(0.6));
    }

    #[test]
    fn third_edition_threshold_is_the_element_text() {
        let third = MANIFEST_2004
            .replace("2004 4th Edition", "2004 3rd Edition")
            .replace(
                r#"<adlcp:completionThreshold minProgressMeasure="0.1" />"#,
                "<adlcp:completionThreshold>0.75</adlcp:completionThreshold>",
            );
        assert_eq!(
            launch(&third, "not-by-measure").completion_threshold,
            Some(0.75)
        );
    }

    #[test]
    fn scorm_12_reads_its_own_extensions() {
        let source = r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="m12" version="1"
    xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="ORG">
    <organization identifier="ORG">
      <title>Old</title>
      <item identifier="ITEM" identifierref="RES">
        <title>One</title>
        <adlcp:masteryscore>80</adlcp:masteryscore>
        <adlcp:maxtimeallowed>00:30:00</adlcp:maxtimeallowed>
        <adlcp:timelimitaction>exit,message</adlcp:timelimitaction>
        <adlcp:datafromlms>hello</adlcp:datafromlms>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="RES" type="webcontent" adlcp:scormtype="sco" href="a.htm"/>
  </resources>
</manifest>"#;
        let item = launch(source, "ITEM");
        assert_eq!(item.mastery_score, Some(80.0));
        assert_eq!(item.max_time_allowed.as_deref(), Some("00:30:00"));
        assert_eq!(item.time_limit_action.as_deref(), Some("exit,message"));
        assert_eq!(item.launch_data.as_deref(), Some("hello"));
        assert_eq!(item.completion_threshold, None);
    }
}

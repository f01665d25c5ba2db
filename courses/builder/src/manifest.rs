//! `imsmanifest.xml` for one module: one organisation, one item, one SCO.
//!
//! SCORM 1.2: IMS CP 1.1.2 with `adlcp_rootv1p2`, the mastery score from the pass mark (so the LMS turns
//! `cmi.core.score.raw` into passed or failed). SCORM 2004 4th edition: IMS CP 1.1 with `adlcp_v1p3`,
//! IMS Simple Sequencing and the ADL extensions; the item's primary objective is satisfied by measure
//! with the pass mark as `minNormalizedMeasure`, so the LMS derives success from `cmi.score.scaled`.

use std::fmt::Write;

use crate::markdown::escape;
use crate::{Format, Module};

/// The package identifier: the module id, namespaced, with the format so that a SCORM 1.2 and a SCORM
/// 2004 build of one module are two packages in an LMS rather than versions of one.
pub(crate) fn identifier(module: &Module, format: Format) -> String {
    format!("rampart.course.{}.{}", module.id, format.slug())
}

pub(crate) fn manifest(module: &Module, format: Format, files: &[&str]) -> String {
    match format {
        Format::Scorm12 => scorm12(module, files),
        Format::Scorm2004 => scorm2004(module, files),
    }
}

fn file_list(files: &[&str]) -> String {
    let mut out = String::new();
    for file in files {
        let _ = writeln!(out, "      <file href=\"{}\"/>", escape(file));
    }
    out
}

/// The pass mark as a measure in [0, 1] with at most four decimals.
fn measure(pass_mark: f64) -> String {
    let text = format!("{:.4}", pass_mark.clamp(0.0, 1.0));
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

fn scorm12(module: &Module, files: &[&str]) -> String {
    let id = &module.id;
    let mastery = (module.assessment.pass_mark * 100.0)
        .round()
        .clamp(0.0, 100.0) as u32;
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="{identifier}" version="{version}"
    xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://www.imsproject.org/xsd/imscp_rootv1p1p2 imscp_rootv1p1p2.xsd http://www.imsglobal.org/xsd/imsmd_rootv1p2p1 imsmd_rootv1p2p1.xsd http://www.adlnet.org/xsd/adlcp_rootv1p2 adlcp_rootv1p2.xsd">
  <metadata>
    <schema>ADL SCORM</schema>
    <schemaversion>1.2</schemaversion>
  </metadata>
  <organizations default="org-{id}">
    <organization identifier="org-{id}">
      <title>{title}</title>
      <item identifier="item-{id}" identifierref="sco-{id}" isvisible="true">
        <title>{title}</title>
        <adlcp:masteryscore>{mastery}</adlcp:masteryscore>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="sco-{id}" type="webcontent" adlcp:scormtype="sco" href="index.html">
{files}    </resource>
  </resources>
</manifest>
"#,
        identifier = identifier(module, Format::Scorm12),
        version = escape(&module.version),
        title = escape(&module.title),
        files = file_list(files),
    )
}

fn scorm2004(module: &Module, files: &[&str]) -> String {
    let id = &module.id;
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="{identifier}" version="{version}"
    xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"
    xmlns:adlseq="http://www.adlnet.org/xsd/adlseq_v1p3"
    xmlns:adlnav="http://www.adlnet.org/xsd/adlnav_v1p3"
    xmlns:imsss="http://www.imsglobal.org/xsd/imsss"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://www.imsglobal.org/xsd/imscp_v1p1 imscp_v1p1.xsd http://www.adlnet.org/xsd/adlcp_v1p3 adlcp_v1p3.xsd http://www.adlnet.org/xsd/adlseq_v1p3 adlseq_v1p3.xsd http://www.adlnet.org/xsd/adlnav_v1p3 adlnav_v1p3.xsd http://www.imsglobal.org/xsd/imsss imsss_v1p0.xsd">
  <metadata>
    <schema>ADL SCORM</schema>
    <schemaversion>2004 4th Edition</schemaversion>
  </metadata>
  <organizations default="org-{id}">
    <organization identifier="org-{id}">
      <title>{title}</title>
      <item identifier="item-{id}" identifierref="sco-{id}">
        <title>{title}</title>
        <imsss:sequencing>
          <imsss:objectives>
            <imsss:primaryObjective objectiveID="{id}-passed" satisfiedByMeasure="true">
              <imsss:minNormalizedMeasure>{measure}</imsss:minNormalizedMeasure>
            </imsss:primaryObjective>
          </imsss:objectives>
          <imsss:deliveryControls completionSetByContent="true" objectiveSetByContent="true"/>
        </imsss:sequencing>
        <adlnav:presentation>
          <adlnav:navigationInterface>
            <adlnav:hideLMSUI>previous</adlnav:hideLMSUI>
            <adlnav:hideLMSUI>continue</adlnav:hideLMSUI>
          </adlnav:navigationInterface>
        </adlnav:presentation>
      </item>
      <imsss:sequencing>
        <imsss:controlMode choice="true" flow="true"/>
      </imsss:sequencing>
    </organization>
  </organizations>
  <resources>
    <resource identifier="sco-{id}" type="webcontent" adlcp:scormType="sco" href="index.html">
{files}    </resource>
  </resources>
</manifest>
"#,
        identifier = identifier(module, Format::Scorm2004),
        version = escape(&module.version),
        title = escape(&module.title),
        measure = measure(module.assessment.pass_mark),
        files = file_list(files),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_are_short_decimals() {
        assert_eq!(measure(0.8), "0.8");
        assert_eq!(measure(1.0), "1");
        assert_eq!(measure(2.0 / 3.0), "0.6667");
    }
}

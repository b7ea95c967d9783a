//! What a response or export says about its own success.

use super::{Code, Collector};
use crate::document::Source;
use crate::model::Document;

pub(super) fn check(doc: &Document, source: &Source, out: &mut Collector) {
    if !doc.kind.is_snapshot() {
        return;
    }
    for code in &doc.codes {
        let Some(msg) = code.error_msg.as_ref().filter(|m| !m.value.trim().is_empty()) else {
            continue;
        };
        let which = code.code().unwrap_or("(no code)");
        out.report(
            Code::RedemptionError,
            format!(
                "the server reported an error for {}: \"{}\"; this code's redemption did not \
                 complete: fix the cause and redeem again",
                which.escape_debug(),
                msg.value.escape_debug()
            ),
            msg.location(source),
        );
    }
}

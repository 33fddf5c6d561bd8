//! What the multiplexed mode asks of a connection: one frame carrying the commands of several
//! callers, written through the one write path, its replies read in order and handed out one by
//! one as they arrive.

use super::{Connection, Meta, Metas, Mode, refusal};
use crate::commands::table::CommandSpec;
use crate::error::{Error, Result};
use crate::resp::Value;

impl Connection {
    /// Writes one frame of several callers' commands (`metas` say where each ends; `encode`
    /// writes their bytes back to back) through [`Connection::write_frame`], then reads the
    /// replies in order, handing each to `deliver` with its command's index as soon as it is in.
    ///
    /// On an error nothing more is delivered; the replies delivered before it were their
    /// callers' own, and [`Connection::last_write`] says how many commands left whole (after a
    /// read error, all of them). A failure that breaks the stream marks the connection broken,
    /// as on every other path.
    pub(crate) fn exchange_shared(
        &mut self,
        metas: &[Meta],
        encode: impl FnOnce(&mut Vec<u8>) -> Result<()>,
        mut deliver: impl FnMut(usize, Value),
    ) -> Result<()> {
        let sent = self.write_frame(Mode::Exchange, Metas::Many(metas), encode)?;
        let mut span = self.reply_span(sent);
        let mut first = true;
        for i in 0..metas.len() {
            let reply = self.read_reply(&mut span, &mut first)?;
            deliver(i, reply);
        }
        self.last_used = sent.at;
        Ok(())
    }

    /// The error [`Connection::write_frame`] would refuse `spec` with on this connection (the
    /// table's refusals, and a caching client's), so one caller's refused command can be
    /// answered alone instead of failing a frame shared with others.
    pub(crate) fn refuses(&self, spec: &'static CommandSpec) -> Option<Error> {
        refusal(spec).or_else(|| {
            self.cache
                .as_ref()
                .and_then(|_| crate::cache::Link::refusal(spec))
        })
    }
}

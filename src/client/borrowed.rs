//! [`Client::get_into`]: the borrowed-reply path through the pool and the retry policy.

use super::{Client, Work};
use crate::commands::table::spec;
use crate::commands::{One, Request, StringCommands, ToArg};
use crate::error::Result;

impl Client {
    /// `GET key` into `buf`, as [`Connection::get_into`](crate::Connection::get_into) does on
    /// a connection: the value replaces what `buf` held and the result says whether the key
    /// existed. Without a client-side cache, reading a value allocates nothing once `buf` has
    /// grown to its size (the pool, the retry policy and the health check work as for
    /// [`get`](StringCommands::get)); with one, the cache serves it and the bytes are copied
    /// from the cached value.
    pub fn get_into(&self, key: impl ToArg, buf: &mut Vec<u8>) -> Result<bool> {
        if self.inner.cache.is_some() {
            let value: Option<Vec<u8>> = self.get(&key)?;
            buf.clear();
            return Ok(value.map(|v| buf.extend_from_slice(&v)).is_some());
        }
        let args = One(&key);
        let request = Request::new(&spec::GET, &args);
        let work = Work::One(&request);
        let call = self.call_budget(work, None);
        self.run(work, call, |conn| {
            conn.exchange_bytes(&request, |value| {
                buf.clear();
                value.map(|v| buf.extend_from_slice(v)).is_some()
            })
        })
    }
}

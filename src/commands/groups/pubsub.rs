//! The `pubsub` group of the Redis documentation: publishing messages and asking about channels (subscribing is [`Subscriber`](crate::pubsub::Subscriber)'s).

use super::Method;
use crate::commands::args::{One, ToArg, ToArgs};
use crate::commands::cmd::Request;
use crate::commands::core::Commands;
use crate::commands::table::spec;

/// The `pubsub` commands: publishing messages and asking about channels (subscribing is [`Subscriber`](crate::pubsub::Subscriber)'s).
///
/// Implemented for every [`Commands`] receiver (a connection, a client, a pipeline), so each
/// method sends the command and returns `Result<T>`, or queues it. Bring every group into scope
/// with `use redisync::prelude::*`.
///
/// Subscribing needs a connection of its own, which the `SUBSCRIBE` family would turn into a
/// pub/sub connection: that is [`Client::subscriber`](crate::Client::subscriber), and ordinary
/// connections refuse those commands.
///
/// ```no_run
/// use redisync::prelude::*;
///
/// let client = Client::open("redis://127.0.0.1")?;
/// let mut sub = client.subscriber()?;
/// sub.subscribe("news")?;
/// let receivers: u64 = client.publish("news", "hello")?;
/// assert_eq!(receivers, 1);
/// let counts = client.pubsub_numsub("news")?;
/// assert_eq!(counts, [("news".to_string(), 1)]);
/// # Ok::<(), redisync::Error>(())
/// ```
pub trait PubSubCommands: Commands {
    /// `PUBLISH channel message`: how many subscribers received it (on a cluster, those of
    /// this node only).
    /// <https://redis.io/docs/latest/commands/publish/>
    fn publish(self, channel: impl ToArg, message: impl ToArg) -> Self::Output<u64> {
        self.run(&Request::new(
            &spec::PUBLISH,
            &(One(&channel), One(&message)),
        ))
    }

    /// `SPUBLISH shardchannel message` (Redis 7.0+): publishes to a shard channel; how many
    /// of its subscribers received it.
    /// <https://redis.io/docs/latest/commands/spublish/>
    fn spublish(self, shard_channel: impl ToArg, message: impl ToArg) -> Self::Output<u64> {
        self.run(&Request::new(
            &spec::SPUBLISH,
            &(One(&shard_channel), One(&message)),
        ))
    }

    /// `PUBSUB CHANNELS [pattern]`: the channels with at least one subscriber (pattern
    /// subscriptions do not count), those matching the glob-style `pattern` when given.
    /// <https://redis.io/docs/latest/commands/pubsub-channels/>
    fn pubsub_channels(self, pattern: Option<&str>) -> Self::Output<Vec<String>> {
        self.run(&Request::new(&spec::PUBSUB_CHANNELS, &pattern))
    }

    /// `PUBSUB NUMPAT`: how many patterns are subscribed to, by all clients together.
    /// <https://redis.io/docs/latest/commands/pubsub-numpat/>
    fn pubsub_numpat(self) -> Self::Output<u64> {
        self.run(&Request::new(&spec::PUBSUB_NUMPAT, &()))
    }

    /// `PUBSUB NUMSUB [channel ...]`: each channel asked about with its number of subscribers
    /// (pattern subscriptions do not count), in the order asked.
    /// <https://redis.io/docs/latest/commands/pubsub-numsub/>
    fn pubsub_numsub(self, channels: impl ToArgs) -> Self::Output<Vec<(String, u64)>> {
        self.run(&Request::new(&spec::PUBSUB_NUMSUB, &channels))
    }

    /// `PUBSUB SHARDCHANNELS [pattern]` (Redis 7.0+): the shard channels with at least one
    /// subscriber, those matching `pattern` when given.
    /// <https://redis.io/docs/latest/commands/pubsub-shardchannels/>
    fn pubsub_shardchannels(self, pattern: Option<&str>) -> Self::Output<Vec<String>> {
        self.run(&Request::new(&spec::PUBSUB_SHARDCHANNELS, &pattern))
    }

    /// `PUBSUB SHARDNUMSUB [shardchannel ...]` (Redis 7.0+): each shard channel asked about
    /// with its number of subscribers, in the order asked.
    /// <https://redis.io/docs/latest/commands/pubsub-shardnumsub/>
    fn pubsub_shardnumsub(self, shard_channels: impl ToArgs) -> Self::Output<Vec<(String, u64)>> {
        self.run(&Request::new(&spec::PUBSUB_SHARDNUMSUB, &shard_channels))
    }
}

impl<C: Commands> PubSubCommands for C {}

/// This group's methods and the command each sends.
pub(crate) const METHODS: &[Method] = &[
    ("publish", &spec::PUBLISH),
    ("spublish", &spec::SPUBLISH),
    ("pubsub_channels", &spec::PUBSUB_CHANNELS),
    ("pubsub_numpat", &spec::PUBSUB_NUMPAT),
    ("pubsub_numsub", &spec::PUBSUB_NUMSUB),
    ("pubsub_shardchannels", &spec::PUBSUB_SHARDCHANNELS),
    ("pubsub_shardnumsub", &spec::PUBSUB_SHARDNUMSUB),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::groups::check::{self, Call};

    #[test]
    fn every_method_sends_its_command() {
        let calls: &[Call] = &[
            ("publish", |r| {
                let _ = r.publish("ch", "m");
            }),
            ("spublish", |r| {
                let _ = r.spublish("ch", "m");
            }),
            ("pubsub_channels", |r| {
                let _ = r.pubsub_channels(None);
            }),
            ("pubsub_numpat", |r| {
                let _ = r.pubsub_numpat();
            }),
            ("pubsub_numsub", |r| {
                let _ = r.pubsub_numsub(["a", "b"]);
            }),
            ("pubsub_shardchannels", |r| {
                let _ = r.pubsub_shardchannels(Some("a*"));
            }),
            ("pubsub_shardnumsub", |r| {
                let _ = r.pubsub_shardnumsub("a");
            }),
        ];
        check::methods(METHODS, calls);
        assert_eq!(
            check::sent(|r| {
                let _ = r.pubsub_channels(Some("news.*"));
            }),
            ["PUBSUB", "CHANNELS", "news.*"]
        );
        assert_eq!(
            check::sent(|r| {
                let _ = r.publish(b"\r\n\xff".to_vec(), 5);
            }),
            ["PUBLISH", "\r\n\u{fffd}", "5"]
        );
    }
}

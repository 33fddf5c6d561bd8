//! [`MaintenanceConfig`]: whether and how a client asks for maintenance notifications.

use std::net::IpAddr;
use std::time::Duration;

use crate::error::{Error, Result};

/// Whether a client asks the server for maintenance notifications.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum MaintenanceMode {
    /// Ask on every RESP3 connection, and carry on without them when the server does not know
    /// the command (plain Redis, Valkey) (default).
    #[default]
    Auto,
    /// Ask, and fail the connect when the server refuses. A configuration error on RESP2 or
    /// a Unix socket, where notifications cannot come.
    On,
    /// Never ask.
    Off,
}

/// Which address a server should name in a `MOVING` notification
/// (`moving-endpoint-type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum EndpointType {
    /// Decided from the address connected to (default): an IP address literal asks for an IP
    /// (internal when private or loopback), a host name for a name (internal when it resolves
    /// to a private or loopback address, or looks local: one label, `.local`, `.internal`,
    /// `.corp`, `.lan`, `.intranet`, `.private`).
    #[default]
    Auto,
    /// `internal-ip`.
    InternalIp,
    /// `internal-fqdn`.
    InternalFqdn,
    /// `external-ip`.
    ExternalIp,
    /// `external-fqdn`.
    ExternalFqdn,
    /// `none`: the server names no endpoint (reconnect to the same address).
    None,
}

impl EndpointType {
    /// The word the handshake sends.
    pub fn as_str(self) -> &'static str {
        match self {
            EndpointType::Auto | EndpointType::None => "none",
            EndpointType::InternalIp => "internal-ip",
            EndpointType::InternalFqdn => "internal-fqdn",
            EndpointType::ExternalIp => "external-ip",
            EndpointType::ExternalFqdn => "external-fqdn",
        }
    }

    /// The type `Auto` stands for, for a connection to `host` whose peer is `peer`.
    pub(crate) fn resolve(self, host: &str, peer: Option<IpAddr>) -> EndpointType {
        if self != EndpointType::Auto {
            return self;
        }
        if let Ok(ip) = host.parse::<IpAddr>() {
            return if is_internal(ip) {
                EndpointType::InternalIp
            } else {
                EndpointType::ExternalIp
            };
        }
        let internal = match peer {
            Some(ip) => is_internal(ip),
            None => looks_local(host),
        };
        if internal {
            EndpointType::InternalFqdn
        } else {
            EndpointType::ExternalFqdn
        }
    }
}

/// Private, loopback, link-local or unique-local.
fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_private() || v4.is_loopback() || v4.is_link_local(),
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || (v6.segments()[0] & 0xfe00) == 0xfc00
                || (v6.segments()[0] & 0xffc0) == 0xfe80
        }
    }
}

fn looks_local(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    !host.contains('.')
        || [
            ".local",
            ".internal",
            ".corp",
            ".lan",
            ".intranet",
            ".private",
        ]
        .iter()
        .any(|s| host.ends_with(s))
}

/// Settings of maintenance notifications (smart client handoffs), for
/// [`ClientBuilder::maintenance`](crate::ClientBuilder::maintenance). Redis Cloud and Redis
/// Software (8.0.2 and later) push them over RESP3 before a shard migrates, fails over or moves.
///
/// ```
/// use std::time::Duration;
/// use redisync::{MaintenanceConfig, MaintenanceMode};
/// let m = MaintenanceConfig::new()
///     .mode(MaintenanceMode::On)
///     .relaxed_timeout(Duration::from_secs(20))
///     .backstop(Duration::from_secs(60));
/// ```
#[derive(Debug, Clone)]
pub struct MaintenanceConfig {
    pub(crate) mode: MaintenanceMode,
    pub(crate) proactive_moves: bool,
    pub(crate) relaxed_timeout: Duration,
    pub(crate) relaxed_blocking_timeout: Duration,
    pub(crate) backstop: Duration,
    pub(crate) endpoint_type: EndpointType,
    pub(crate) idle_check: Duration,
}

/// The relaxed read and write timeout, by default.
pub const DEFAULT_RELAXED_TIMEOUT: Duration = Duration::from_secs(10);
/// How long relaxed timeouts last at most without the notification that ends them.
pub const DEFAULT_BACKSTOP: Duration = Duration::from_secs(60);
/// How often idle pooled connections are read for notifications, by default.
pub const DEFAULT_IDLE_CHECK: Duration = Duration::from_millis(50);

impl Default for MaintenanceConfig {
    fn default() -> MaintenanceConfig {
        MaintenanceConfig::new()
    }
}

impl MaintenanceConfig {
    /// The defaults: [`MaintenanceMode::Auto`], proactive moves on, relaxed timeouts of 10 s
    /// (blocking commands too), a 60 s backstop, the endpoint type decided from the address,
    /// idle connections read every 50 ms.
    pub fn new() -> MaintenanceConfig {
        MaintenanceConfig {
            mode: MaintenanceMode::Auto,
            proactive_moves: true,
            relaxed_timeout: DEFAULT_RELAXED_TIMEOUT,
            relaxed_blocking_timeout: DEFAULT_RELAXED_TIMEOUT,
            backstop: DEFAULT_BACKSTOP,
            endpoint_type: EndpointType::Auto,
            idle_check: DEFAULT_IDLE_CHECK,
        }
    }

    /// Whether to ask for notifications (default [`MaintenanceMode::Auto`]).
    pub fn mode(mut self, mode: MaintenanceMode) -> MaintenanceConfig {
        self.mode = mode;
        self
    }

    /// Whether a `MOVING` notification moves the pool's connections before the endpoint goes
    /// away (default on). Off, `MOVING` only relaxes timeouts.
    pub fn proactive_moves(mut self, on: bool) -> MaintenanceConfig {
        self.proactive_moves = on;
        self
    }

    /// The read and write timeout while a maintenance is announced (default 10 s). Applied as
    /// the larger of it and the configured timeout: it never shortens a longer one.
    pub fn relaxed_timeout(mut self, timeout: Duration) -> MaintenanceConfig {
        self.relaxed_timeout = timeout;
        self
    }

    /// What a blocking command's reply may take beyond its own wait while a maintenance is
    /// announced (default 10 s; never shorter than the configured read timeout).
    pub fn relaxed_blocking_timeout(mut self, timeout: Duration) -> MaintenanceConfig {
        self.relaxed_blocking_timeout = timeout;
        self
    }

    /// How long relaxed timeouts last at most when the notification that ends them never
    /// comes (default 60 s).
    pub fn backstop(mut self, window: Duration) -> MaintenanceConfig {
        self.backstop = window;
        self
    }

    /// Which address the server should name in `MOVING` (default: decided per connection
    /// from its address, [`EndpointType::Auto`]).
    pub fn endpoint_type(mut self, t: EndpointType) -> MaintenanceConfig {
        self.endpoint_type = t;
        self
    }

    /// How often idle pooled connections are read for notifications (default 50 ms): a
    /// notification reaching an idle connection is acted on within about this long.
    pub fn idle_check(mut self, interval: Duration) -> MaintenanceConfig {
        self.idle_check = interval;
        self
    }

    /// Checks the settings.
    pub(crate) fn check(&self) -> Result<()> {
        for (name, d) in [
            ("maintenance relaxed_timeout", self.relaxed_timeout),
            (
                "maintenance relaxed_blocking_timeout",
                self.relaxed_blocking_timeout,
            ),
            ("maintenance backstop", self.backstop),
            ("maintenance idle_check", self.idle_check),
        ] {
            if d.is_zero() {
                return Err(Error::invalid(name, "must be greater than zero"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_endpoint_types_follow_the_address() {
        let auto = EndpointType::Auto;
        assert_eq!(auto.resolve("10.0.0.1", None), EndpointType::InternalIp);
        assert_eq!(auto.resolve("127.0.0.1", None), EndpointType::InternalIp);
        assert_eq!(auto.resolve("8.8.8.8", None), EndpointType::ExternalIp);
        assert_eq!(auto.resolve("fd00::1", None), EndpointType::InternalIp);
        assert_eq!(auto.resolve("2001:db8::1", None), EndpointType::ExternalIp);
        let private: IpAddr = "192.168.1.5".parse().unwrap();
        let public: IpAddr = "1.1.1.1".parse().unwrap();
        assert_eq!(
            auto.resolve("localhost", Some("127.0.0.1".parse().unwrap())),
            EndpointType::InternalFqdn
        );
        assert_eq!(
            auto.resolve("db.example.com", Some(private)),
            EndpointType::InternalFqdn
        );
        assert_eq!(
            auto.resolve("db.example.com", Some(public)),
            EndpointType::ExternalFqdn
        );
        assert_eq!(
            auto.resolve("cache.internal", None),
            EndpointType::InternalFqdn
        );
        assert_eq!(
            auto.resolve("redis.example.com", None),
            EndpointType::ExternalFqdn
        );
        assert_eq!(
            EndpointType::ExternalIp.resolve("10.0.0.1", None),
            EndpointType::ExternalIp
        );
    }

    #[test]
    fn zero_durations_are_refused_by_name() {
        let e = MaintenanceConfig::new()
            .backstop(Duration::ZERO)
            .check()
            .unwrap_err();
        assert!(e.to_string().contains("backstop"), "{e}");
        assert!(MaintenanceConfig::new().check().is_ok());
    }
}

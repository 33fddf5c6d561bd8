//! Following a failover at its point of no return rather than at its announcement: the
//! sentinel tells the chosen replica `REPLICAOF NO ONE` (`+failover-state-send-slaveof-noone`)
//! and, about a second later, sees it promoted (`+promoted-slave`); it announces the switch
//! (`+switch-master`) only after reconfiguring the other replicas. From the promotion on,
//! every write the old primary takes is lost, so the client moves as soon as the chosen
//! replica's `ROLE` says `master`, and lookups that still name the old primary are answered
//! with the promoted one until the announcement.

use super::{Budget, Connection, ConnectionConfig, Role, Sentinel};
use crate::connection::config::Address;

/// A failover past its point of no return, not yet announced as a switch.
#[derive(Debug, Clone)]
pub(super) struct Promotion {
    /// The primary being replaced.
    from: Address,
    /// The promoted replica.
    to: Address,
    /// After this, lookups decide again (the switch announcement was missed).
    until: std::time::Instant,
}

/// How long a promotion stands in for the switch announcement it should be followed by.
const PROMOTION_STANDS: std::time::Duration = std::time::Duration::from_secs(30);

impl Sentinel {
    /// The promoted replica, when `named` is the primary it is replacing (the sentinels have
    /// not announced the switch yet). Clears a promotion the lookups have moved past.
    pub(super) fn promoted_instead_of(&self, named: &Address) -> Option<Address> {
        let mut p = self.promotion.lock();
        match &*p {
            Some(pr) if &pr.from == named && std::time::Instant::now() < pr.until => {
                Some(pr.to.clone())
            }
            Some(_) => {
                *p = None;
                None
            }
            None => None,
        }
    }

    /// A sentinel announced `to` promoted in place of `from` (`+promoted-slave`): the
    /// failover will end with the switch to it, so the client moves now.
    pub(super) fn promoted(&self, from: Address, to: Address) {
        if !self.config.follow_promotion {
            return;
        }
        *self.promotion.lock() = Some(Promotion {
            from,
            to: to.clone(),
            until: std::time::Instant::now() + PROMOTION_STANDS,
        });
        self.named(&to);
    }

    /// A sentinel has just sent `REPLICAOF NO ONE` to `to` (`+failover-state-send-slaveof-noone`):
    /// from the moment `to` says it is a primary, every write the old one takes is lost, so
    /// the client moves as soon as `ROLE` on `to` says so (polled for up to two seconds; the
    /// sentinel itself notices the promotion only at its next `INFO`, up to a second later).
    /// Runs on the listener thread.
    pub(super) fn promoting(&self, from: Address, to: Address) {
        if !self.config.follow_promotion {
            return;
        }
        let Some(cfg) = self.data.lock().clone() else {
            return;
        };
        let until = std::time::Instant::now() + std::time::Duration::from_secs(2);
        let cfg = ConnectionConfig {
            address: to.clone(),
            connect_timeout: cfg
                .connect_timeout
                .min(std::time::Duration::from_millis(500)),
            read_timeout: cfg.read_timeout.min(std::time::Duration::from_millis(500)),
            ..cfg
        };
        // The sentinel kills the replica's normal connections with its REPLICAOF NO ONE
        // (`CLIENT KILL TYPE normal`): a connection that breaks is opened again.
        let mut conn: Option<Connection> = None;
        while std::time::Instant::now() < until {
            let role = match conn.as_mut() {
                Some(c) => crate::cmd("ROLE").query::<Role>(c),
                None => match Connection::connect(&cfg, &[], Budget::NONE, None) {
                    Ok(c) => {
                        conn = Some(c);
                        continue;
                    }
                    Err(e) => Err(e),
                },
            };
            match role {
                Ok(Role::Master { .. }) => {
                    log::info!(
                        "{to} is the primary of {:?} now (promoted in place of {from})",
                        self.config.service
                    );
                    self.promoted(from, to);
                    return;
                }
                Ok(_) => {}
                Err(e) => {
                    log::debug!("watching {to} being promoted: {e}");
                    conn = None;
                }
            }
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        log::debug!("{to} did not say it was a primary within 2 s; waiting for the sentinels");
    }

    /// A failover was given up after the replica was told to become primary: the lookups
    /// decide again.
    pub(super) fn failover_aborted(&self) {
        let had = self.promotion.lock().take();
        if had.is_some() {
            *self.primary.lock() = None;
            self.retire_all();
        }
    }

    /// The data nodes' settings, for watching a promotion.
    pub(super) fn remember(&self, cfg: &ConnectionConfig) {
        let mut data = self.data.lock();
        if data.is_none() {
            *data = Some(cfg.clone());
        }
    }

    /// The switch was announced: lookups name the new primary from now on.
    pub(super) fn switch_announced(&self) {
        *self.promotion.lock() = None;
    }
}

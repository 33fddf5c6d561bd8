//! A game leaderboard on a sorted set: each player's best score kept with `ZADD GT`, bonus
//! points with `ZINCRBY`, the top players with their scores, one player's rank and score,
//! the players around one, and ties (equal scores) shown both ways: Redis's order, and a shared
//! rank. It checks every answer and exits non-zero on a wrong one.
//!
//! `cargo run --example leaderboard -- redis://127.0.0.1:6379` (or set `REDIS_URL`).

use std::fmt::Debug;
use std::process::ExitCode;

use redisync::prelude::*;
use redisync::{Connection, ScoreBound, ZAddOptions, ZRange, pipe};

const BOARD: &str = "leaderboard:example";

type Failure = Box<dyn std::error::Error>;

/// `Ok` when `got` is `want`; otherwise an error naming `what`.
fn check<T: PartialEq + Debug>(what: &str, got: T, want: T) -> Result<(), Failure> {
    if got == want {
        println!("ok   {what}: {got:?}");
        Ok(())
    } else {
        Err(format!("{what}: got {got:?}, expected {want:?}").into())
    }
}

/// Records a game's score; only a better one than the player's best is kept. Returns whether
/// it was a new best (`CH` counts a changed score as well as a new player).
fn submit(conn: &mut Connection, player: &str, score: f64) -> Result<bool, Failure> {
    let changed = conn.zadd_options(BOARD, (score, player), ZAddOptions::new().gt().ch())?;
    Ok(changed == 1)
}

/// A player's place counting ties as one: 1 + how many players scored strictly more.
fn shared_place(conn: &mut Connection, score: f64) -> Result<u64, Failure> {
    Ok(1 + conn.zcount(BOARD, ScoreBound::Exclusive(score), ScoreBound::PosInf)?)
}

fn run(conn: &mut Connection) -> Result<(), Failure> {
    conn.del(BOARD)?;

    // Games come in; each player keeps their best.
    for (player, score) in [
        ("ann", 120.0),
        ("bob", 95.0),
        ("cid", 130.0),
        ("dee", 95.0),
        ("eve", 80.0),
    ] {
        check(
            &format!("{player} {score} is a new best"),
            submit(conn, player, score)?,
            true,
        )?;
    }
    check(
        "ann 110 is not a new best",
        submit(conn, "ann", 110.0)?,
        false,
    )?;
    check("bob 140 is a new best", submit(conn, "bob", 140.0)?, true)?;
    check("ann kept 120", conn.zscore(BOARD, "ann")?, Some(120.0))?;

    // Bonus points: eve catches up with dee.
    check("eve +15", conn.zincrby(BOARD, 15.0, "eve")?, 95.0)?;

    // The top three, highest first, with their scores.
    let top: Vec<(String, f64)> = conn.zrange_withscores(BOARD, ZRange::by_rank(0, 2).rev())?;
    let want = [("bob", 140.0), ("cid", 130.0), ("ann", 120.0)];
    check(
        "top 3",
        top,
        want.iter().map(|(p, s)| (p.to_string(), *s)).collect(),
    )?;

    // One player's rank (0 is the top) and score, in one round trip.
    let (rank, score) = pipe()
        .zrevrank(BOARD, "ann")
        .zscore(BOARD, "ann")
        .query(&mut *conn)?;
    check(
        "ann's rank and score",
        (rank, score),
        (Some(2), Some(120.0)),
    )?;
    check(
        "a player who never played",
        conn.zrevrank(BOARD, "zed")?,
        None,
    )?;

    // The players around ann: one above, one below.
    let at = rank.ok_or("ann has no rank")? as i64;
    let around: Vec<String> = conn.zrange(BOARD, ZRange::by_rank((at - 1).max(0), at + 1).rev())?;
    check(
        "around ann",
        around,
        vec!["cid".into(), "ann".into(), "eve".into()],
    )?;

    // Ties: dee and eve both have 95. Redis orders equal scores by name, and the reversed
    // order reverses that too, so eve (rank 3) comes before dee (rank 4)...
    let tied: Vec<(String, f64)> =
        conn.zrange_withscores(BOARD, ZRange::by_score(95.0, 95.0).rev())?;
    check(
        "tied at 95",
        tied,
        vec![("eve".to_string(), 95.0), ("dee".to_string(), 95.0)],
    )?;
    check("eve's rank", conn.zrevrank(BOARD, "eve")?, Some(3))?;
    check("dee's rank", conn.zrevrank(BOARD, "dee")?, Some(4))?;
    // ...while a leaderboard usually shows them sharing a place: 4th, after three players.
    check("dee's shared place", shared_place(conn, 95.0)?, 4)?;
    check("bob's shared place", shared_place(conn, 140.0)?, 1)?;

    // The whole board, for the record.
    let all: Vec<(String, f64)> = conn.zrange_withscores(BOARD, ZRange::by_rank(0, -1).rev())?;
    for (place, (player, score)) in all.iter().enumerate() {
        println!("     #{:<2} {player:<4} {score}", place + 1);
    }
    check("players", conn.zcard(BOARD)?, 5)?;

    conn.del(BOARD)?;
    Ok(())
}

fn main() -> ExitCode {
    let url = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("REDIS_URL").ok())
        .unwrap_or_else(|| "redis://127.0.0.1:6379".to_string());
    let result = Connection::open(&url)
        .map_err(Failure::from)
        .and_then(|mut conn| run(&mut conn));
    match result {
        Ok(()) => {
            println!("leaderboard: every answer checked");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("leaderboard: FAILED: {e}");
            ExitCode::FAILURE
        }
    }
}

//! The consumer's offset commits: `commitSync()`, `commitAsync()` and auto-commit, as
//! `ConsumerCoordinator` sends them (`sendOffsetCommitRequest`, `commitOffsetsSync`,
//! `OffsetCommitResponseHandler`).
//!
//! * A commit is only sent by a member of a stable generation (`generationIfStable()`); otherwise
//!   it fails at once, without a request: REBALANCE_IN_PROGRESS while rejoining, and
//!   `CommitFailedException` (shown as UNKNOWN_MEMBER_ID) when the member was dropped.
//! * `commitSync()` blocks the application and retries retriable failures (no coordinator, a
//!   coordinator that moved or timed out) against the coordinator it finds next, until
//!   `default.api.timeout.ms`; a non-retriable failure returns at once.
//! * `commitAsync()` (and auto-commit) never retries.

use crate::agenda::TimerKey;
use crate::event::EventKind;
use crate::group::{GroupError, OffsetCommitRequest};
use crate::group_coordinator::GroupRequest;
use crate::ids::{NodeId, Offset, TopicPartition};
use crate::node::Ctx;

use super::{App, Consumer, InFlight, MemberState, Pending};

/// `default.api.timeout.ms` (Kafka's default): how long `commitSync()` keeps retrying.
pub(super) const DEFAULT_API_TIMEOUT_MS: u64 = 60_000;
/// `KafkaConsumer.close()`'s default timeout, which bounds its final auto-commit.
pub(super) const DEFAULT_CLOSE_TIMEOUT_MS: u64 = 30_000;

/// Offsets to commit: partition → next offset to consume.
pub(super) type Offsets = Vec<(TopicPartition, Offset)>;

impl Consumer {
    /// Commits the current positions: blocking for `Some(timeout_ms)` (`commitSync`), else
    /// fire-and-forget (`commitAsync`). Returns true when the application now waits for the
    /// outcome (a blocking commit was sent or will be retried).
    pub(super) fn commit(&mut self, ctx: &mut Ctx<'_>, sync_timeout_ms: Option<u64>) -> bool {
        let offsets = self.consumed_offsets();
        if offsets.is_empty() {
            return false;
        }
        let sync = sync_timeout_ms.is_some();
        self.sync_commit_deadline = sync_timeout_ms.map(|ms| ctx.now.plus_ms(ms));
        self.send_commit(ctx, sync, offsets)
    }

    /// `sendOffsetCommitRequest`; returns true when the application waits (see [`Self::commit`]).
    fn send_commit(&mut self, ctx: &mut Ctx<'_>, sync: bool, offsets: Offsets) -> bool {
        // generationIfStable(): only a member of a stable generation commits (the auto-commit of
        // onJoinPrepare runs before the member leaves Stable).
        if !matches!(self.state, MemberState::Stable | MemberState::PreparingJoin) {
            let error = match self.state {
                MemberState::Joining | MemberState::Syncing => GroupError::RebalanceInProgress,
                _ => GroupError::UnknownMemberId,
            };
            self.emit_commit_failed(ctx, error);
            return false;
        }
        if self.coordinator.is_none() {
            // commitSync waits for a coordinator (ensureCoordinatorReady); commitAsync fails.
            if sync {
                return self.retry_commit_later(ctx, offsets);
            }
            self.emit_commit_failed(ctx, GroupError::CoordinatorNotAvailable);
            return false;
        }
        let names = offsets
            .iter()
            .map(|(tp, o)| (self.tp_name(ctx, *tp), *o))
            .collect();
        let request = OffsetCommitRequest {
            member_id: self.member_id.clone(),
            group_instance_id: self.group_instance_id.clone(),
            generation_id: self.generation,
            offsets: names,
        };
        let pending = Pending::Commit { sync, offsets };
        self.send_group(ctx, GroupRequest::OffsetCommit(request), pending) && sync
    }

    /// A retriable failure of `commitSync()`: try again after `retry.backoff.ms`, unless
    /// `default.api.timeout.ms` has passed (then `TimeoutException`: the application goes on).
    /// Returns true when a retry is scheduled.
    fn retry_commit_later(&mut self, ctx: &mut Ctx<'_>, offsets: Offsets) -> bool {
        if self.sync_commit_deadline.is_none_or(|d| ctx.now >= d) {
            self.commit_retry = None;
            return false;
        }
        self.commit_retry = Some(offsets);
        self.wake_after(ctx, self.config.retry_backoff_ms);
        true
    }

    /// The wake-up of a `commitSync()` waiting to retry: find the coordinator, send again.
    /// Returns false when no retry was waiting.
    pub(super) fn retry_commit(&mut self, ctx: &mut Ctx<'_>) -> bool {
        let Some(offsets) = self.commit_retry.take() else {
            return false;
        };
        self.ensure_coordinator(ctx);
        if !self.send_commit(ctx, true, offsets) {
            self.sync_commit_done(ctx);
        }
        true
    }

    pub(super) fn on_commit_response(
        &mut self,
        ctx: &mut Ctx<'_>,
        from: NodeId,
        sync: bool,
        offsets: Offsets,
        error: Option<GroupError>,
    ) {
        let Some(error) = error else {
            ctx.emit(EventKind::OffsetsCommitted {
                consumer: self.id,
                group: self.group.to_string(),
                offsets,
            });
            if sync {
                self.sync_commit_done(ctx);
            }
            return;
        };
        self.emit_commit_failed(ctx, error);
        self.on_group_error(ctx, from, error);
        if sync && !(error.is_retriable() && self.retry_commit_later(ctx, offsets)) {
            self.sync_commit_done(ctx);
        }
    }

    /// A commit got no answer within `request.timeout.ms`: the coordinator is marked unknown
    /// (which fails the other commits in flight too), and a blocking commit is retried.
    pub(super) fn on_commit_timeout(&mut self, ctx: &mut Ctx<'_>, sync: bool, offsets: Offsets) {
        self.emit_commit_failed(ctx, GroupError::CoordinatorNotAvailable);
        self.coordinator_lost(ctx);
        if sync && !self.retry_commit_later(ctx, offsets) {
            self.sync_commit_done(ctx);
        }
    }

    /// `markCoordinatorUnknown` disconnects from the old coordinator, which fails every commit in
    /// flight to it with a retriable error: a blocking one is retried with the next coordinator.
    pub(super) fn fail_commits_in_flight(&mut self, ctx: &mut Ctx<'_>) {
        let stale: Vec<u64> = self
            .in_flight
            .iter()
            .filter(|(_, f)| matches!(f.pending, Pending::Commit { .. }))
            .map(|(c, _)| *c)
            .collect();
        for correlation in stale {
            let Some(InFlight {
                pending: Pending::Commit { sync, offsets },
                ..
            }) = self.in_flight.remove(&correlation)
            else {
                continue;
            };
            ctx.cancel_timer(TimerKey::ConsumerRequestTimeout {
                consumer: self.id,
                correlation,
            });
            self.emit_commit_failed(ctx, GroupError::CoordinatorNotAvailable);
            if sync && !self.retry_commit_later(ctx, offsets) {
                self.sync_commit_done(ctx);
            }
        }
    }

    fn emit_commit_failed(&self, ctx: &mut Ctx<'_>, error: GroupError) {
        ctx.emit(EventKind::OffsetCommitFailed {
            consumer: self.id,
            group: self.group.to_string(),
            error,
        });
    }

    /// A blocking commit finished (or failed): the application goes on.
    pub(super) fn sync_commit_done(&mut self, ctx: &mut Ctx<'_>) {
        self.sync_commit_deadline = None;
        self.commit_retry = None;
        match std::mem::replace(&mut self.app, App::Polling) {
            App::Polled { batch } => {
                self.app = App::Polled { batch };
                self.start_processing(ctx);
            }
            App::CommittingAfter => self.poll(ctx),
            App::Closing => self.leave_and_stop(ctx),
            // The auto-commit of onJoinPrepare finished: JoinGroup follows (unless the
            // membership was lost meanwhile: then poll() starts the join again).
            App::Polling if self.state == MemberState::PreparingJoin => self.send_join(ctx),
            App::Polling => self.poll(ctx),
            app @ App::Processing { .. } => self.app = app,
        }
    }
}

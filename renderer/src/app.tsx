import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { CoreStatus } from '../../common/ipc.ts';
import type { ApprovalRequest } from '../../common/messages.ts';
import { heyOps } from './heyops.ts';
import {
  errorMessage,
  expiryLabel,
  fromReport,
  fromSummary,
  statusLabel,
  statusView,
  toneOf,
  upsertReport,
  type ReportItem,
} from './view-model.ts';

/** The window also polls, for changes made by other processes (CLI) and budgets that return. */
const STATUS_POLL_MS = 3_000;

export function App() {
  const [status, setStatus] = useState<CoreStatus | null>(null);
  const [reports, setReports] = useState<ReportItem[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [now, setNow] = useState(() => new Date());
  // Approvals already answered here: their buttons stay disabled so a double click decides once.
  const [decided, setDecided] = useState<ReadonlySet<string>>(() => new Set());

  const refresh = useCallback(() => {
    heyOps()
      .getStatus()
      .then(setStatus, (failure: unknown) => setError(errorMessage(failure)));
  }, []);

  useEffect(() => {
    const api = heyOps();
    api.getHistory({ limit: 5 }).then(
      (history) => setReports((list) => history.reduceRight((acc, summary) => upsertReport(acc, fromSummary(summary)), list)),
      (failure: unknown) => setError(errorMessage(failure)),
    );
    refresh();
    const unsubscribers = [
      api.onDidReport((report) => {
        setReports((list) => upsertReport(list, fromReport(report)));
        refresh();
      }),
      api.onDidRequestApproval(refresh),
      api.onDidChangeKillSwitch(refresh),
    ];
    const timer = setInterval(() => {
      setNow(new Date());
      refresh();
    }, STATUS_POLL_MS);
    return () => {
      clearInterval(timer);
      for (const unsubscribe of unsubscribers) unsubscribe();
    };
  }, [refresh]);

  const view = statusView(status);
  const call = (promise: Promise<unknown>): void => {
    setError(null);
    promise.then(refresh, (failure: unknown) => setError(errorMessage(failure)));
  };

  return (
    <div className={view.engaged ? 'app engaged' : 'app'}>
      <header className="header">
        <h1>Hey Ops</h1>
        {view.sandbox && <span className="badge">sandbox</span>}
      </header>
      <StatusLine view={view} />
      <CommandBox onReport={(item) => setReports((list) => upsertReport(list, item))} onError={setError} />
      {error !== null && (
        <div className="error" role="alert">
          <span>{error}</span>
          <button type="button" className="link" onClick={() => setError(null)} aria-label="Dismiss">
            ×
          </button>
        </div>
      )}
      <Approvals
        approvals={status?.pendingApprovals ?? []}
        now={now}
        decided={decided}
        onDecide={(approval, decision) => {
          setDecided((ids) => new Set(ids).add(approval.id));
          // The plan hash binds the decision to the plan shown on the card.
          const request = { approvalId: approval.id, planHash: approval.planHash };
          call(decision === 'approve' ? heyOps().approve(request) : heyOps().deny(request));
        }}
      />
      <Reports reports={reports} />
      <KillSwitch
        engaged={view.engaged}
        ready={status !== null}
        onEngage={() => call(heyOps().engageKillSwitch({ reason: 'engaged from the window' }))}
        onRelease={() => call(heyOps().releaseKillSwitch({ reason: null }))}
      />
    </div>
  );
}

function StatusLine({ view }: { view: ReturnType<typeof statusView> }) {
  return (
    <dl className="status" aria-label="Status">
      <div>
        <dt>In flight</dt>
        <dd data-testid="in-flight">{view.inFlight}</dd>
      </div>
      <div>
        <dt>Deploys/h</dt>
        <dd>{view.deploys}</dd>
      </div>
      <div>
        <dt>Rollbacks/h</dt>
        <dd>{view.rollbacks}</dd>
      </div>
      <div className={view.engaged ? 'kill-state engaged' : 'kill-state'}>
        <dt>Kill switch</dt>
        <dd data-testid="kill-switch-state">{view.killSwitch}</dd>
      </div>
    </dl>
  );
}

function CommandBox({ onReport, onError }: { onReport: (item: ReportItem) => void; onError: (message: string | null) => void }) {
  const [text, setText] = useState('');
  const [dryRun, setDryRun] = useState(false);
  const [busy, setBusy] = useState(false);

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    if (text.trim() === '') return;
    setBusy(true);
    onError(null);
    // wait: false — the answer comes back once the command is planned and checked; later
    // reports of the same operation (running, done) arrive as events.
    heyOps()
      .runCommand({ text, dryRun, wait: false })
      .then(
        (report) => {
          onReport(fromReport(report));
          setText('');
        },
        (failure: unknown) => onError(errorMessage(failure)),
      )
      .finally(() => setBusy(false));
  };

  return (
    <form className="command" onSubmit={submit}>
      <input
        type="text"
        aria-label="Command"
        placeholder="deploy api to staging"
        value={text}
        maxLength={2000}
        onChange={(event) => setText(event.target.value)}
      />
      <div className="command-row">
        <label>
          <input type="checkbox" checked={dryRun} onChange={(event) => setDryRun(event.target.checked)} /> dry run
        </label>
        <button type="submit" className="primary" disabled={busy || text.trim() === ''}>
          {busy ? 'Running…' : 'Run'}
        </button>
      </div>
    </form>
  );
}

function Approvals(props: {
  approvals: readonly ApprovalRequest[];
  now: Date;
  decided: ReadonlySet<string>;
  onDecide: (approval: ApprovalRequest, decision: 'approve' | 'deny') => void;
}) {
  if (props.approvals.length === 0) return null;
  return (
    <section className="approvals" aria-label="Pending approvals">
      <h2>Waiting for your approval</h2>
      {props.approvals.map((approval) => (
        <article key={approval.id} className="approval">
          <div className="approval-head">
            <strong>{approval.summary}</strong>
            <span className={`risk risk-${approval.risk.toLowerCase()}`}>{approval.risk}</span>
          </div>
          <div className="muted">
            {approval.id} · requested by {approval.requestedBy} · {expiryLabel(approval.expiresAt, props.now)}
          </div>
          <div className="approval-actions">
            <button type="button" className="approve" disabled={props.decided.has(approval.id)} onClick={() => props.onDecide(approval, 'approve')}>
              Approve
            </button>
            <button type="button" disabled={props.decided.has(approval.id)} onClick={() => props.onDecide(approval, 'deny')}>
              Deny
            </button>
          </div>
        </article>
      ))}
    </section>
  );
}

function Reports({ reports }: { reports: readonly ReportItem[] }) {
  return (
    <section className="reports" aria-label="Latest reports">
      <h2>Latest</h2>
      {reports.length === 0 && <p className="muted">Nothing yet. Try “status of api in staging”.</p>}
      {reports.map((report) => (
        <details key={report.operationId} className={`report tone-${toneOf(report.status)}`}>
          <summary>
            <span className="report-headline">{report.headline}</span>
            <span className="chip">{report.dryRun ? 'dry run' : statusLabel(report.status)}</span>
          </summary>
          {report.question !== null && <p className="question">{report.question}</p>}
          {report.text !== null ? <pre>{report.text}</pre> : <p className="muted">From the history; run `hey-ops history` for details.</p>}
        </details>
      ))}
    </section>
  );
}

function KillSwitch(props: { engaged: boolean; ready: boolean; onEngage: () => void; onRelease: () => void }) {
  const [confirming, setConfirming] = useState(false);
  if (!props.engaged) {
    return (
      <footer className="kill">
        <button type="button" className="kill-button" disabled={!props.ready} onClick={props.onEngage}>
          KILL SWITCH
        </button>
      </footer>
    );
  }
  return (
    <footer className="kill">
      <p className="kill-engaged">Kill switch engaged: nothing changes until it is released.</p>
      {confirming ? (
        <div className="confirm" role="group" aria-label="Confirm release">
          <span>Release and accept changes again?</span>
          <button
            type="button"
            className="release"
            onClick={() => {
              setConfirming(false);
              props.onRelease();
            }}
          >
            Yes, release
          </button>
          <button type="button" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </div>
      ) : (
        <button type="button" className="release" onClick={() => setConfirming(true)}>
          Release kill switch…
        </button>
      )}
    </footer>
  );
}

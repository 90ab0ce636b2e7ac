//! The audit log: JSON Lines, apart from diagnostics, tamper-evident. Every record
//! carries `prev`, the SHA-256 of the previous line, so an edited, deleted, inserted or
//! reordered line breaks the chain (`epmcp audit verify FILE` finds the first break).
//! Writing never blocks a request: records go through a bounded queue to one writer
//! thread; when the queue is full they are dropped, counted, and the count is written
//! into the chain. Files rotate daily (`audit-YYYY-MM-DD.jsonl`) and are deleted after
//! the retention period. Records hold argument keys and identifiers, never free text.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, TrySendError, sync_channel};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde_json::{Map, Value, json};

/// Records waiting for the writer at most; beyond this they are dropped (and counted).
const QUEUE: usize = 4096;
/// How often the writer looks for queued records. Polling, rather than blocking on the
/// queue, means a request that queues a record never pays for waking the writer.
const POLL: Duration = Duration::from_millis(10);
/// The kind of a checkpoint record, and of the record a run writes after an unclean end.
const CHECKPOINT: &str = "checkpoint";
const RESUMED: &str = "resumed_after_unclean_end";
/// What [`Audit::flush`] queues: the writer answers it with the shutdown checkpoint.
const CLOSING: &str = "closing";
/// `prev` of the very first record.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone)]
pub struct AuditConfig {
    pub dir: PathBuf,
    pub retention_days: u32,
    /// With a key (`--audit-key`), links are HMAC-SHA-256 under it, not plain SHA-256.
    pub key: Option<ChainKey>,
}

/// The secret a keyed chain is linked with: whoever can write the files but not read this
/// key cannot forge a chain that verifies.
#[derive(Clone)]
pub struct ChainKey(Arc<ring::hmac::Key>);

impl std::fmt::Debug for ChainKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChainKey(…)")
    }
}

impl ChainKey {
    /// At least 32 bytes from `path` (e.g. `head -c 32 /dev/urandom > audit.key`).
    pub fn load(path: &Path) -> Result<ChainKey> {
        let bytes = std::fs::read(path).with_context(|| format!("reading the audit key {}", path.display()))?;
        if bytes.len() < 32 {
            bail!("the audit key {} holds {} bytes: at least 32 are needed", path.display(), bytes.len());
        }
        Ok(ChainKey(Arc::new(ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &bytes))))
    }
}

/// A handle to the audit log; cheap to clone. `Audit::off()` records nothing.
#[derive(Clone)]
pub struct Audit {
    inner: Option<Arc<Inner>>,
}

struct Inner {
    queue: SyncSender<Map<String, Value>>,
    dropped: AtomicU64,
    /// Records queued and not yet written (for [`Audit::flush`]).
    pending: AtomicU64,
}

impl Audit {
    pub fn off() -> Audit {
        Audit { inner: None }
    }

    /// Whether records are written.
    pub fn is_on(&self) -> bool {
        self.inner.is_some()
    }

    /// Opens (or continues) today's file and starts the writer thread.
    pub fn start(config: AuditConfig) -> Result<Audit> {
        std::fs::create_dir_all(&config.dir).with_context(|| format!("creating audit directory {}", config.dir.display()))?;
        let (queue, records) = sync_channel(QUEUE);
        let inner = Arc::new(Inner { queue, dropped: AtomicU64::new(0), pending: AtomicU64::new(0) });
        let mut writer = Writer::open(config)?;
        let shared = inner.clone();
        std::thread::Builder::new().name("audit".into()).spawn(move || writer.run(records, &shared))?;
        Ok(Audit { inner: Some(inner) })
    }

    /// Queues a record of `kind` with `fields`; never blocks.
    pub fn record(&self, kind: &str, fields: Value) {
        let Some(inner) = &self.inner else { return };
        let mut record = Map::new();
        record.insert("kind".into(), kind.into());
        if let Value::Object(fields) = fields {
            record.extend(fields);
        }
        inner.pending.fetch_add(1, Ordering::AcqRel);
        if let Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) = inner.queue.try_send(record) {
            inner.pending.fetch_sub(1, Ordering::AcqRel);
            inner.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// At shutdown: writes every queued record and then a checkpoint, waiting at most
    /// `limit`, so that the last calls' records are not lost with the process and the file
    /// ends as a clean stop does.
    pub fn flush(&self, limit: std::time::Duration) {
        let Some(inner) = &self.inner else { return };
        self.record(CLOSING, json!({}));
        let deadline = std::time::Instant::now() + limit;
        while inner.pending.load(Ordering::Acquire) > 0 && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
    }

    pub fn security(&self, event: &str, fields: Value) {
        let mut fields = fields;
        fields["event"] = event.into();
        self.record("security", fields);
    }
}

struct Writer {
    config: AuditConfig,
    day: String,
    file: std::fs::File,
    prev: String,
    seq: u64,
    /// Lines in today's file.
    lines: u64,
}

impl Writer {
    fn open(config: AuditConfig) -> Result<Writer> {
        let day = today();
        let path = file_for(&config.dir, &day);
        let key = config.key.as_ref();
        let prev = last_hash(&path, key)?.or(last_hash_in_dir(&config.dir, &day, key)?).unwrap_or_else(|| GENESIS.to_string());
        let (lines, last_kind) = tail_of(&path);
        let file = std::fs::OpenOptions::new().create(true).append(true).open(&path).with_context(|| format!("opening {}", path.display()))?;
        prune(&config.dir, config.retention_days);
        let mut writer = Writer { config, day, file, prev, seq: 0, lines };
        // The previous run did not end with a checkpoint: it crashed, or the file's tail was
        // cut. The chain cannot tell which, so it says so (`audit verify` reports it).
        if lines > 0 && last_kind.as_deref() != Some(CHECKPOINT) {
            let mut note = Map::new();
            note.insert("kind".into(), RESUMED.into());
            writer.write(note);
        }
        Ok(writer)
    }

    /// A checkpoint: this file's line count so far, linked into the chain (at rotation and
    /// shutdown), so a cut head or tail is found.
    fn checkpoint(&mut self, reason: &str) {
        let mut note = Map::new();
        note.insert("kind".into(), CHECKPOINT.into());
        note.insert("reason".into(), reason.into());
        note.insert("lines".into(), (self.lines + 1).into());
        note.insert("keyed".into(), self.config.key.is_some().into());
        self.write(note);
    }

    fn run(&mut self, records: Receiver<Map<String, Value>>, shared: &Inner) {
        loop {
            let record = match records.try_recv() {
                Ok(record) => record,
                Err(TryRecvError::Empty) => {
                    std::thread::sleep(POLL);
                    continue;
                }
                Err(TryRecvError::Disconnected) => return,
            };
            let dropped = shared.dropped.swap(0, Ordering::Relaxed);
            if dropped > 0 {
                let mut note = Map::new();
                note.insert("kind".into(), "dropped".into());
                note.insert("count".into(), dropped.into());
                self.write(note);
            }
            match record.get("kind").and_then(Value::as_str) {
                Some(CLOSING) => self.checkpoint("shutdown"),
                _ => self.write(record),
            }
            shared.pending.fetch_sub(1, Ordering::AcqRel);
        }
    }

    fn write(&mut self, record: Map<String, Value>) {
        let day = today();
        if day != self.day {
            // Daily rotation: the old file ends with a checkpoint; the new file's chain
            // continues from it.
            match std::fs::OpenOptions::new().create(true).append(true).open(file_for(&self.config.dir, &day)) {
                Ok(file) => {
                    self.day = day;
                    self.checkpoint("rotation");
                    self.file = file;
                    self.lines = 0;
                    prune(&self.config.dir, self.config.retention_days);
                }
                Err(e) => tracing::error!("audit rotation failed: {e}"),
            }
        }
        self.append(record);
    }

    /// One line, linked to the previous one.
    fn append(&mut self, mut record: Map<String, Value>) {
        self.seq += 1;
        let mut line = Map::new();
        line.insert("ts".into(), now().into());
        line.insert("seq".into(), self.seq.into());
        line.append(&mut record);
        line.insert("prev".into(), self.prev.clone().into());
        let mut text = Value::Object(line).to_string();
        let link = link(self.config.key.as_ref(), &text);
        text.push('\n');
        if let Err(e) = self.file.write_all(text.as_bytes()) {
            tracing::error!("audit write failed: {e}");
            return;
        }
        self.prev = link;
        self.lines += 1;
    }
}

fn hash(line: &str) -> String {
    crate::digest::sha256_hex(line.as_bytes())
}

/// The link to a line: its SHA-256, or with a key its HMAC-SHA-256.
fn link(key: Option<&ChainKey>, line: &str) -> String {
    match key {
        None => hash(line),
        Some(key) => crate::digest::hex(ring::hmac::sign(&key.0, line.as_bytes()).as_ref()),
    }
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn today() -> String {
    chrono::Utc::now().format("%Y-%m-%d").to_string()
}

fn file_for(dir: &Path, day: &str) -> PathBuf {
    dir.join(format!("audit-{day}.jsonl"))
}

/// A file's line count and its last record's kind.
fn tail_of(path: &Path) -> (u64, Option<String>) {
    let Ok(text) = std::fs::read_to_string(path) else { return (0, None) };
    let lines: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();
    let kind = lines.last().and_then(|l| serde_json::from_str::<Value>(l).ok()).and_then(|r| r.get("kind")?.as_str().map(str::to_string));
    (lines.len() as u64, kind)
}

/// The hash of a file's last line, if it has one.
fn last_hash(path: &Path, key: Option<&ChainKey>) -> Result<Option<String>> {
    if !path.exists() {
        return Ok(None);
    }
    let file = std::fs::File::open(path)?;
    let last = std::io::BufReader::new(file).lines().map_while(Result::ok).filter(|l| !l.is_empty()).last();
    Ok(last.map(|l| link(key, &l)))
}

/// The hash of the newest earlier file's last line (a chain continues across days).
fn last_hash_in_dir(dir: &Path, before: &str, key: Option<&ChainKey>) -> Result<Option<String>> {
    let mut days: Vec<String> = audit_days(dir).into_iter().filter(|d| d.as_str() < before).collect();
    days.sort();
    match days.last() {
        Some(day) => last_hash(&file_for(dir, day), key),
        None => Ok(None),
    }
}

fn audit_days(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok()?.file_name().to_str()?.strip_prefix("audit-")?.strip_suffix(".jsonl").map(str::to_string))
        .collect()
}

/// Deletes files older than the retention period.
fn prune(dir: &Path, retention_days: u32) {
    let cutoff = (chrono::Utc::now() - chrono::Duration::days(retention_days as i64)).format("%Y-%m-%d").to_string();
    for day in audit_days(dir).into_iter().filter(|d| *d < cutoff) {
        if let Err(e) = std::fs::remove_file(file_for(dir, &day)) {
            tracing::warn!("could not delete expired audit file of {day}: {e}");
        }
    }
}

/// Checks a file's chain. `Ok(n)`: n records, every link intact. The first line's
/// `prev` is taken as given (it links to the previous day's file).
pub fn verify(path: &Path, key: Option<&ChainKey>) -> Result<usize> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut prev: Option<String> = None;
    let mut count = 0;
    for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line?;
        let record: Value = serde_json::from_str(&line).with_context(|| format!("line {}: not a JSON record", n + 1))?;
        let linked = record.get("prev").and_then(Value::as_str).with_context(|| format!("line {}: no prev", n + 1))?;
        if let Some(expected) = &prev
            && linked != expected
        {
            let keyed = std::fs::read_to_string(path).is_ok_and(|t| t.contains("\"keyed\":true"));
            match (keyed, key) {
                (true, None) => bail!("line {}: the chain is keyed: verify it with --audit-key, the key it was written with", n + 1),
                (true, Some(_)) => bail!("line {}: the chain is broken (a line before it was edited, deleted, inserted or moved), or the key is not the one it was written with", n + 1),
                _ => bail!("line {}: the chain is broken (a line before it was edited, deleted, inserted or moved)", n + 1),
            }
        }
        prev = Some(link(key, &line));
        count += 1;
    }
    Ok(count)
}

/// Checks a whole audit directory, day by day: each file's chain (see [`verify`]), that
/// each file continues the previous one (a missing file, or a cut tail, breaks that), that
/// every checkpoint counts the lines before it (a cut head breaks that), that every file
/// but the newest ends with a checkpoint, and that no run resumed after an unclean end
/// (a crash cannot be told from a cut tail). `Ok`: the records, and notes on what the
/// chain cannot prove (history before the oldest file; lines after the newest checkpoint).
pub fn verify_dir(dir: &Path, key: Option<&ChainKey>) -> Result<(usize, Vec<String>)> {
    let mut days = audit_days(dir);
    days.sort();
    if days.is_empty() {
        bail!("no audit files (audit-YYYY-MM-DD.jsonl) in {}", dir.display());
    }
    let (mut total, mut notes, mut previous_last): (usize, Vec<String>, Option<String>) = (0, Vec::new(), None);
    for (i, day) in days.iter().enumerate() {
        let path = file_for(dir, day);
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        total += verify(&path, key).with_context(|| name.clone())?;
        let text = std::fs::read_to_string(&path)?;
        let lines: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();
        let records: Vec<Value> = lines.iter().map(|l| serde_json::from_str(l).unwrap_or_default()).collect();
        let first_prev = records.first().and_then(|r| r.get("prev")?.as_str()).unwrap_or(GENESIS);
        match &previous_last {
            Some(expected) if first_prev != expected => {
                bail!("{name}: does not continue the previous file (a file between them is missing, or the previous file's tail was cut)")
            }
            None if first_prev != GENESIS => notes.push(format!("{name}: continues history older than this directory holds (pruned days, or a cut head)")),
            _ => {}
        }
        for (n, record) in records.iter().enumerate() {
            match record.get("kind").and_then(Value::as_str) {
                Some(CHECKPOINT) if record.get("lines").and_then(Value::as_u64) != Some(n as u64 + 1) => {
                    bail!("{name}: line {}: a checkpoint counts {} lines before and with it: lines were cut from the file's head", n + 1, record["lines"])
                }
                Some(RESUMED) => bail!("{name}: line {}: a run resumed after an unclean end (a crash, or lines cut from the tail before it)", n + 1),
                _ => {}
            }
        }
        let last_checkpoint = records.iter().rposition(|r| r.get("kind").and_then(Value::as_str) == Some(CHECKPOINT));
        let after = records.len() - last_checkpoint.map_or(0, |k| k + 1);
        if i + 1 < days.len() && after > 0 {
            bail!("{name}: ends with {after} records after its last checkpoint (its tail was cut, or the server stopped uncleanly)");
        }
        if after > 0 {
            notes.push(format!("{name}: {after} records since the last checkpoint (a server is writing it, or its tail was cut)"));
        }
        previous_last = lines.last().map(|l| link(key, l));
    }
    Ok((total, notes))
}

/// A fresh call id: 16 hex digits, unpredictable and unique for practical purposes. It is
/// in the call's audit records and in any error the client sees, so an operator can find
/// the records of a failure a user reports.
pub fn call_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    static SEQ: AtomicU64 = AtomicU64::new(0);
    // RandomState is keyed from the OS's randomness; the sequence and clock make each id new.
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(SEQ.fetch_add(1, Ordering::Relaxed));
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos()));
    format!("{:016x}", h.finish())
}

/// Fields of a call record: argument keys, and the values of identifier arguments only
/// (keys named `id` or ending in `Id`), so no free text a user typed is kept.
/// Argument names are recorded only when the tool declares them; any other key is free
/// text a caller chose, so it is counted, never written.
pub fn argument_summary(arguments: &Map<String, Value>, declared: impl Fn(&str) -> bool) -> Value {
    let (keys, undeclared): (Vec<&String>, Vec<&String>) = arguments.keys().partition(|k| declared(k));
    let ids: Map<String, Value> = arguments
        .iter()
        .filter(|(k, v)| declared(k) && (k.as_str() == "id" || k.ends_with("Id")) && v.is_string())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut summary = json!({"argumentKeys": keys, "ids": ids});
    if !undeclared.is_empty() {
        summary["undeclaredKeys"] = undeclared.len().into();
    }
    summary
}

/// Gives the writer a moment (tests).
#[cfg(test)]
fn settle() {
    std::thread::sleep(Duration::from_millis(10));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("epmcp-audit-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    fn write(dir: &Path, n: usize) -> PathBuf {
        let path = file_for(dir, &today());
        let before = tail_of(&path).0;
        let audit = Audit::start(AuditConfig { dir: dir.to_path_buf(), retention_days: 90, key: None }).unwrap();
        for i in 0..n {
            audit.record("call", json!({"tool": "t", "i": i}));
        }
        audit.flush(Duration::from_secs(2));
        drop(audit);
        // Written once the run's shutdown checkpoint is.
        for _ in 0..200 {
            settle();
            let (lines, kind) = tail_of(&path);
            if lines > before + n as u64 && kind.as_deref() == Some(CHECKPOINT) {
                break;
            }
        }
        path
    }

    #[test]
    fn any_edit_deletion_or_reordering_breaks_the_chain() {
        let d = dir("chain");
        let path = write(&d, 5);
        assert_eq!(verify(&path, None).unwrap(), 6, "five records and the shutdown checkpoint");
        let lines: Vec<String> = std::fs::read_to_string(&path).unwrap().lines().map(str::to_string).collect();
        let tamper = |lines: Vec<String>| {
            std::fs::write(&path, lines.join("\n") + "\n").unwrap();
            verify(&path, None).unwrap_err().to_string()
        };
        let mut edited = lines.clone();
        edited[2] = edited[2].replace("\"i\":2", "\"i\":7");
        assert!(tamper(edited).starts_with("line 4"));
        let mut deleted = lines.clone();
        deleted.remove(1);
        assert!(tamper(deleted).starts_with("line 2"));
        let mut swapped = lines.clone();
        swapped.swap(1, 3);
        assert!(tamper(swapped).starts_with("line 2"));
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        // A restart continues the chain.
        write(&d, 2);
        assert_eq!(verify(&path, None).unwrap(), 9);
        assert_eq!(verify_dir(&d, None).unwrap().0, 9);
    }

    /// A chain of `records` starting from `prev`, as the writer links it: its lines.
    fn chain(records: &[Value], mut prev: String) -> Vec<String> {
        records
            .iter()
            .map(|r| {
                let mut line = r.as_object().unwrap().clone();
                line.insert("prev".into(), prev.clone().into());
                let text = Value::Object(line).to_string();
                prev = hash(&text);
                text
            })
            .collect()
    }

    #[test]
    fn a_directory_proves_its_files_whole_and_says_what_it_cannot() {
        let d = dir("days");
        std::fs::create_dir_all(&d).unwrap();
        let day1 = chain(&[json!({"kind": "call"}), json!({"kind": "call"}), json!({"kind": "checkpoint", "lines": 3})], GENESIS.into());
        let day2 = chain(&[json!({"kind": "call"}), json!({"kind": "checkpoint", "lines": 2}), json!({"kind": "call"})], hash(&day1[2]));
        let day3 = chain(&[json!({"kind": "call"})], hash(&day2[2]));
        let put = |day: &str, lines: &[String]| std::fs::write(file_for(&d, day), lines.join("\n") + "\n").unwrap();
        put("2026-01-01", &day1);
        put("2026-01-02", &day2);
        // The newest file may be open: what follows its last checkpoint is noted, not proven.
        let (records, notes) = verify_dir(&d, None).unwrap();
        assert_eq!(records, 6);
        assert!(notes.iter().any(|n| n.contains("1 records since the last checkpoint")), "{notes:?}");
        // Once a newer file exists, records after day 2's checkpoint are a cut tail or an unclean stop.
        put("2026-01-03", &day3);
        assert!(verify_dir(&d, None).unwrap_err().to_string().contains("2026-01-02.jsonl: ends with 1 records after its last checkpoint"));
        // A missing file in between.
        std::fs::remove_file(file_for(&d, "2026-01-02")).unwrap();
        assert!(verify_dir(&d, None).unwrap_err().to_string().contains("2026-01-03.jsonl: does not continue the previous file"));
        // A cut head: the oldest file no longer starts the chain and its checkpoint miscounts.
        std::fs::remove_file(file_for(&d, "2026-01-03")).unwrap();
        put("2026-01-01", &day1[1..]);
        let err = verify_dir(&d, None).unwrap_err().to_string();
        assert!(err.contains("lines were cut from the file's head"), "{err}");
        // A restart after a cut tail says so in the chain.
        let d = dir("resumed");
        let path = write(&d, 3);
        let lines: Vec<String> = std::fs::read_to_string(&path).unwrap().lines().map(str::to_string).collect();
        std::fs::write(&path, lines[..2].join("\n") + "\n").unwrap();
        write(&d, 1);
        assert!(verify(&path, None).is_ok(), "the links hold");
        assert!(verify_dir(&d, None).unwrap_err().to_string().contains("resumed after an unclean end"));
    }

    #[test]
    fn only_keys_and_identifiers_are_kept() {
        let args = json!({"id": "1294", "keyword": "my private words", "processId": "2024-0006", "limit": 5});
        let declared = |k: &str| ["id", "keyword", "processId", "limit"].contains(&k);
        let summary = argument_summary(args.as_object().unwrap(), declared);
        assert_eq!(summary["ids"], json!({"id": "1294", "processId": "2024-0006"}));
        assert!(!summary.to_string().contains("private"));
        // A key the tool does not declare is counted, never written.
        let hostile = json!({"id": "1294", "<script>secret-name": 1, "otherId": "x"});
        let summary = argument_summary(hostile.as_object().unwrap(), declared);
        assert_eq!((summary["argumentKeys"].clone(), summary["undeclaredKeys"].clone()), (json!(["id"]), json!(2)));
        assert!(!summary.to_string().contains("secret") && !summary.to_string().contains("otherId"));
    }

    #[test]
    fn call_ids_are_distinct() {
        let ids: std::collections::HashSet<String> = (0..1000).map(|_| call_id()).collect();
        assert_eq!(ids.len(), 1000);
        assert!(ids.iter().all(|id| id.len() == 16));
    }

    #[test]
    fn old_files_are_pruned() {
        let d = dir("prune");
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("audit-2001-01-01.jsonl"), "").unwrap();
        write(&d, 1);
        assert!(!d.join("audit-2001-01-01.jsonl").exists());
    }

    #[test]
    fn a_keyed_chain_verifies_only_with_its_key() {
        let d = dir("keyed");
        std::fs::create_dir_all(&d).unwrap();
        let key_file = d.join("audit.key");
        std::fs::write(&key_file, [7u8; 32]).unwrap();
        let key = ChainKey::load(&key_file).unwrap();
        let audit = Audit::start(AuditConfig { dir: d.clone(), retention_days: 90, key: Some(key.clone()) }).unwrap();
        for i in 0..3 {
            audit.record("call", json!({"i": i}));
        }
        audit.flush(Duration::from_secs(2));
        let path = file_for(&d, &today());
        assert_eq!(verify(&path, Some(&key)).unwrap(), 4);
        assert!(verify(&path, None).unwrap_err().to_string().contains("the chain is keyed"));
        std::fs::write(&key_file, [8u8; 32]).unwrap();
        let other = ChainKey::load(&key_file).unwrap();
        assert!(verify(&path, Some(&other)).unwrap_err().to_string().contains("or the key is not the one"));
        std::fs::write(&key_file, [1u8; 16]).unwrap();
        assert!(ChainKey::load(&key_file).is_err(), "a short key is refused");
    }
}

//! A real Chromium, headless, driven over WebDriver (chromedriver from Debian, port 0, its port
//! read from its own "started" line). Waits are for conditions (an element, a text, a file),
//! checked every 50 ms up to a deadline, never a fixed sleep.
#![allow(dead_code)]
#![allow(clippy::unwrap_used)]

use fantoccini::{Client, ClientBuilder, Locator, elements::Element};
use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const DEADLINE: Duration = Duration::from_secs(20);

pub struct Browser {
    driver: Child,
    pub client: Client,
    /// Where downloads land.
    pub downloads: tempfile::TempDir,
}

impl Browser {
    pub async fn start() -> Self {
        // Its own process group: the browser it starts inherits it, so one kill of the group
        // ends both even when a failed test never closes the session.
        let mut driver = Command::new("chromedriver")
            .process_group(0)
            .arg("--port=0")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver (Debian: chromium-driver) is needed; .ci/run installs it");
        let mut out = BufReader::new(driver.stdout.take().unwrap());
        let port = loop {
            let mut line = String::new();
            assert!(out.read_line(&mut line).unwrap() > 0, "chromedriver exited");
            if let Some(rest) = line.split("started successfully on port ").nth(1) {
                break rest.trim().trim_end_matches('.').parse::<u16>().unwrap();
            }
        };
        // Keep reading its output so it never blocks on a full pipe.
        std::thread::spawn(move || for _ in out.lines() {});
        let downloads = tempfile::tempdir().unwrap();
        let caps = serde_json::json!({
            "goog:chromeOptions": {
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,900",
                         "--disable-dev-shm-usage", "--no-first-run", "--lang=en-US"],
                "prefs": {
                    "download.default_directory": downloads.path(),
                    "download.prompt_for_download": false,
                },
            }
        });
        let serde_json::Value::Object(caps) = caps else {
            unreachable!()
        };
        let client = ClientBuilder::rustls()
            .unwrap()
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .unwrap();
        Self {
            driver,
            client,
            downloads,
        }
    }

    pub async fn el(&self, css: &str) -> Element {
        self.client
            .wait()
            .at_most(DEADLINE)
            .every(Duration::from_millis(50))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css}: {e}"))
    }

    /// Waits until the page has no request in flight (the page counts them in
    /// `window.cofferBusy`), so what the test finds is not about to be redrawn.
    pub async fn settled(&self) {
        self.until("window.cofferBusy === 0").await;
    }

    /// Clicks `css` once the page is settled. An element the page redrew between being found
    /// and clicked (stale) is found again and clicked, a few times at most: the click happens
    /// on what the page shows, whatever redrew it.
    pub async fn click(&self, css: &str) {
        for attempt in 1.. {
            self.settled().await;
            match self.el(css).await.click().await {
                Ok(()) => return,
                Err(e) if e.is_stale_element_reference() && attempt < 5 => continue,
                Err(e) => panic!("clicking {css}: {e}"),
            }
        }
    }

    pub async fn select(&self, css: &str, value: &str) {
        self.settled().await;
        self.el(css).await.select_by_value(value).await.unwrap();
    }

    pub async fn fill(&self, css: &str, text: &str) {
        self.settled().await;
        let e = self.el(css).await;
        e.clear().await.unwrap();
        e.send_keys(text).await.unwrap();
    }

    /// Runs `script` in the page and returns its value.
    pub async fn js(&self, script: &str) -> serde_json::Value {
        self.client.execute(script, vec![]).await.unwrap()
    }

    /// Waits until `css`'s text satisfies `ok`; returns the text. Between checks the page is
    /// watched for the next change (a MutationObserver), so nothing waits on a clock.
    pub async fn text_until(&self, css: &str, ok: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        let mut last: Option<String> = None;
        while start.elapsed() < DEADLINE {
            let now = self.text_of(css).await;
            if let Some(t) = &now
                && ok(t)
            {
                return t.clone();
            }
            last = now;
            self.next_change(css, last.as_deref()).await;
        }
        panic!("{css}: text never matched; last {last:?}");
    }

    async fn text_of(&self, css: &str) -> Option<String> {
        let e = self.client.find(Locator::Css(css)).await.ok()?;
        e.text().await.ok()
    }

    /// Returns once the page changes (its DOM, or its requests settle), or at once if `css`'s
    /// text is no longer `last`; the WebDriver script timeout bounds it.
    async fn next_change(&self, css: &str, last: Option<&str>) {
        let _ = self
            .client
            .execute_async(
                "const [css, last, done] = arguments;
                 const now = () => { const e = document.querySelector(css); return e ? e.innerText : null; };
                 if (now() !== last) { done(); return; }
                 const finish = () => { obs.disconnect(); document.removeEventListener('coffer-settled', finish); done(); };
                 const obs = new MutationObserver(finish);
                 obs.observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
                 document.addEventListener('coffer-settled', finish);",
                vec![serde_json::json!(css), serde_json::json!(last)],
            )
            .await;
    }

    /// Waits until the page's `expr` is true, re-checked on every change of the page.
    pub async fn until(&self, expr: &str) {
        let done = self
            .client
            .execute_async(
                &format!(
                    "const done = arguments[0];
                     const ok = () => {{ try {{ return !!({expr}); }} catch (e) {{ return false; }} }};
                     if (ok()) {{ done(true); return; }}
                     const check = () => {{ if (ok()) {{ obs.disconnect(); document.removeEventListener('coffer-settled', check); done(true); }} }};
                     const obs = new MutationObserver(check);
                     obs.observe(document, {{subtree: true, childList: true, attributes: true, characterData: true}});
                     document.addEventListener('coffer-settled', check);"
                ),
                vec![],
            )
            .await;
        assert!(
            matches!(done, Ok(serde_json::Value::Bool(true))),
            "never true: {expr} ({done:?})"
        );
    }

    /// Waits until `path` exists (written by another process, renamed into place).
    pub async fn until_file(&self, path: &Path) {
        let dir = path.parent().unwrap().to_path_buf();
        let want = path.to_path_buf();
        wait_in_dir(&dir, move |files| files.contains(&want))
            .unwrap_or_else(|| panic!("{} never appeared", path.display()));
    }

    /// Waits for a finished download (no `.crdownload` left) and returns its path.
    pub async fn download(&self) -> PathBuf {
        wait_in_dir(self.downloads.path(), |files| {
            files.len() == 1
                && files[0]
                    .extension()
                    .is_some_and(|x| x == "json" || x == "env")
        })
        .map(|mut files| files.remove(0))
        .expect("no download landed")
    }

    /// Saves a screenshot to `target/ui-screenshots/NAME.png`, and to `docs/ui/NAME.png` when
    /// `UPDATE_SCREENSHOTS=1` (as the man pages: committed, regenerated on purpose).
    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.unwrap();
        assert!(png.starts_with(b"\x89PNG"), "not a PNG");
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let dir = root.join("target/ui-screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), &png).unwrap();
        if std::env::var_os("UPDATE_SCREENSHOTS").is_some() {
            std::fs::write(root.join(format!("docs/ui/{name}.png")), &png).unwrap();
        }
    }

    pub async fn stop(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // The whole group: chromedriver and every browser process it started.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.driver.id())])
            .status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Waits until the files in `dir` satisfy `done`, woken by inotify (a file closed after
/// writing, or renamed in) rather than by a clock; gives up after [`DEADLINE`].
fn wait_in_dir(
    dir: &Path,
    done: impl Fn(&[PathBuf]) -> bool + Send + 'static,
) -> Option<Vec<PathBuf>> {
    use rustix::fs::inotify;
    let fd = inotify::init(inotify::CreateFlags::CLOEXEC).unwrap();
    inotify::add_watch(
        &fd,
        dir,
        inotify::WatchFlags::CLOSE_WRITE
            | inotify::WatchFlags::MOVED_TO
            | inotify::WatchFlags::CREATE,
    )
    .unwrap();
    let dir = dir.to_path_buf();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        loop {
            // Scanned after the watch exists, so a file that landed before is found too.
            let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            files.sort();
            if done(&files) {
                let _ = tx.send(files);
                return;
            }
            if rustix::io::read(&fd, &mut buf).is_err() {
                return;
            }
        }
    });
    rx.recv_timeout(DEADLINE).ok()
}

/*
 * Warmline chat widget loader, served as /widget.js.
 *
 *   <script async src="https://RELAY/widget.js" data-site="SITE_ID"></script>
 *
 * Asks the relay for the site's configuration first (colours, side, the
 * visitor's language), then draws the launcher inside a shadow root (host CSS
 * cannot reach in, ours cannot leak out), fetches the chat app (WebAssembly)
 * when the browser is idle or on the first hover or click, and starts it the
 * first time the visitor opens the chat.
 *
 * The page talks to it through window.Warmline (open, close, identify,
 * setLocale, on); calls made before this file ran are replayed from the
 * stub's queue, calls made before the app runs are kept until it does.
 *
 * Whatever fails here stays here: the host page must never break because the
 * relay is unreachable, and each failure says why once, in the console.
 */
(function () {
  "use strict";

  const stub = window.Warmline;
  if (stub && stub._loaded) return; // the tag was pasted twice

  // From 640 px the panel floats beside the page; narrower, it covers the
  // page and is modal, and the launcher hides behind it.
  const WIDE = "(min-width:640px)";
  const CSS =
    ":host{all:initial}" +
    ".panel[hidden]{display:none}" +
    ".launcher,.panel{position:fixed;z-index:2147483000}" +
    ".launcher{right:20px;bottom:20px;min-width:56px;height:56px;display:flex;align-items:center;justify-content:center;" +
    "padding:0;border:0;border-radius:28px;cursor:pointer;background:var(--wl-accent);color:var(--wl-accent-text);" +
    "font:600 15px/1 system-ui,sans-serif;box-shadow:0 6px 20px rgba(0,0,0,.25);" +
    // Invisible normally, but forced-colours modes drop box-shadow and draw this.
    "outline:2px solid transparent;outline-offset:2px}" +
    // White inside dark: one of the two rings shows on any page colour.
    ".launcher:focus-visible{box-shadow:0 0 0 2px #fff,0 0 0 4px #1c1917}" +
    ".pill{padding:0 18px;gap:8px}" +
    // The app's own elements share this shadow root: every rule is scoped.
    ".launcher svg{width:28px;height:28px;flex:none;fill:none;stroke:currentColor;stroke-width:2.2;stroke-linecap:round;stroke-linejoin:round}" +
    ".badge{position:absolute;top:-4px;right:-4px;min-width:12px;height:16px;padding:0 2px;border:2px solid #fff;" +
    "border-radius:10px;background:#b91c1c;color:#fff;font-size:11px;line-height:16px;text-align:center}" +
    ".left{right:auto;left:20px}" +
    // Full screen unless the screen is wide enough for a floating panel.
    ".panel{inset:0;display:flex;flex-direction:column;overflow:hidden;background:#fffaf6;outline:0}" +
    ".launcher[aria-expanded=true]{display:none}" +
    "@media " + WIDE + "{.panel{inset:auto 20px 88px auto;width:360px;height:600px;max-height:calc(100vh - 112px);" +
    "border-radius:16px;box-shadow:0 12px 48px rgba(0,0,0,.25)}.left{right:auto;left:20px}.launcher[aria-expanded]{display:flex}}" +
    ".notice{margin:auto;padding:24px;text-align:center;color:#6b5d55;font:14px/1.5 system-ui,sans-serif}" +
    "@media (prefers-reduced-motion:no-preference){.launcher{transition:transform .15s}.launcher:hover{transform:scale(1.06)}}";

  const listeners = { open: [], close: [], message: [] };
  const warned = {};
  let site, relay, ready, seq = 0, config, tag, identity, pending;
  let host, root, panel, launcher, icon, text, badge, mq;
  let isOpen = false, unread = 0, focusWhenReady, loading, started, app, blocked, audio, tracking;

  const warn = (message, ...error) => console.warn("Warmline: " + message, ...error);

  // Said once: the same failure met again (a retry, a setLocale) is no news.
  const once = (message) => {
    if (!warned[message]) {
      warned[message] = true;
      warn(message);
    }
  };

  // A request the page's CSP blocks also fails on its own; the violation
  // report arrives a moment later and names the real cause, so the generic
  // warning waits for it and stands down if it came.
  const later = (message) => setTimeout(() => blocked || once(message), 100);

  // Nothing thrown by our code, the app or the page's listeners may reach
  // the page or stop the widget.
  const guard = (f) => (...args) => {
    try {
      return f(...args);
    } catch (e) {
      warn("caught an error", e);
    }
  };

  const tell = guard((method, arg) => app && app[method](arg));

  const emit = (name, arg) => {
    for (const fn of listeners[name]) guard(fn)(arg);
  };

  const t = (key) => config.locale[key];
  const key = (what) => "warmline." + site + "." + what;

  const stored = (what) => {
    try {
      return localStorage.getItem(key(what));
    } catch (e) {
      /* storage blocked: behave as on a first visit */
    }
  };

  const el = (name, cls, parent) => {
    const e = parent.appendChild(document.createElement(name));
    e.className = cls;
    return e;
  };

  const api = {
    open() {
      setOpen(true, true);
    },
    close() {
      setOpen(false);
    },
    // Kept (the latest wins) for an app that has not started yet.
    identify(who) {
      identity = who;
      tell("identify", identity);
    },
    setLocale(lang) {
      tag = lang;
      if (ready) configure();
    },
    // An unknown event name throws, and the guard says so.
    on(name, fn) {
      listeners[name].push(fn);
    },
  };
  for (const name in api) api[name] = guard(api[name]);
  api._loaded = true;
  window.Warmline = api;

  // --- Configuration -------------------------------------------------------

  const configure = async () => {
    const asked = ++seq;
    const langs = new Set([tag, document.documentElement.lang, ...navigator.languages].filter(Boolean));
    const unreachable = (why) => later("the relay at " + relay + " is unreachable (" + why + ").");
    let response, body;
    try {
      response = await fetch(
        relay + "/api/widget/config?site=" + encodeURIComponent(site) + "&locale=" + encodeURIComponent([...langs].join(",")),
        { credentials: "omit" }
      );
      body = (await response.json().catch(() => 0)) || {};
    } catch (e) {
      return unreachable(e);
    }
    // A newer setLocale has asked since; its answer is the one to use.
    if (asked !== seq) return;
    // The relay names the refusal in "code" (and describes it in "error").
    const code = body.code || body.error;
    if (code === "unknown_site") {
      once('no site with id "' + site + '" is registered on ' + relay + "; check the data-site attribute.");
    } else if (code === "origin_not_allowed") {
      once("this page's origin (" + location.origin + ") is not in the site's allowed origins; add it in the console's Settings.");
    } else if (!response.ok) {
      unreachable("HTTP " + response.status);
    } else {
      config = body;
      if (document.body) draw();
      else document.addEventListener("DOMContentLoaded", draw);
      tell("set_config", config);
      track();
    }
  };

  // --- The visit ------------------------------------------------------------

  // The pages seen in this tab, for the agents' context panel, kept only when
  // the site collects them; the app reports them while the chat is open.
  // Addresses lose their query and fragment: those can carry secrets.
  const visited = () => {
    let v;
    try {
      v = JSON.parse(sessionStorage[key("visit")]);
    } catch (e) {
      /* none yet, or storage blocked */
    }
    if (!v) {
      try {
        const r = new URL(document.referrer);
        v = { pages: [], referrer: r.origin + r.pathname };
      } catch (e) {
        v = { pages: [] };
      }
    }
    const url = location.origin + location.pathname;
    const p = v.pages;
    if ((p[p.length - 1] || {}).url === url) return;
    v.pages = p.concat({ url, title: document.title.slice(0, 120), at: Date.now() }).slice(-15);
    try {
      sessionStorage[key("visit")] = JSON.stringify(v);
    } catch (e) {
      /* storage blocked: agents just see less */
    }
    tell("visited");
  };

  // Checked every 2 s: pages that change address without loading
  // (history.pushState) are noticed too.
  const track = () => {
    if (tracking || !(config.site.collect || {}).pages) return;
    tracking = true;
    visited();
    setInterval(visited, 2000);
  };

  // --- Drawing --------------------------------------------------------------

  // Everything that follows the configuration or the state, so a new
  // language (setLocale) or unread count is one call away.
  const paint = () => {
    const s = config.site;
    const L = config.locale;
    // The label shows (as a pill) only while closed; open, it is a round cross.
    const label = isOpen ? null : s.launcher_label;
    const count = isOpen ? 0 : unread;
    host.style.setProperty("--wl-accent", s.accent);
    host.style.setProperty("--wl-accent-text", s.accent_text);
    for (const e of [launcher, panel]) {
      // The widget's language, not the page's, for screen readers.
      e.lang = L.lang;
      e.dir = L.dir;
      e.classList.toggle("left", s.position === "left");
    }
    launcher.classList.toggle("pill", !!label);
    panel.hidden = !isOpen;
    panel.setAttribute("aria-label", t("panel"));
    panel.setAttribute("aria-modal", isOpen && !mq.matches);
    launcher.setAttribute("aria-expanded", isOpen);
    // A visible label leads the name, so voice-control users can say what they see.
    launcher.setAttribute(
      "aria-label",
      (label ? label + ", " : "") +
        (isOpen ? t("launcher_close") : count ? t("launcher_open_unread").replace("{count}", count) : t("launcher_open"))
    );
    text.textContent = label; // null clears it
    // A speech bubble while closed, a cross while open.
    icon.setAttribute("d", isOpen ? "M7 7l10 10M17 7L7 17" : "M20 14a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2h12a2 2 0 0 1 2 2z");
    badge.textContent = count;
    badge.hidden = !count;
  };

  const draw = guard(() => {
    if (host) return paint();
    host = document.createElement("warmline-chat");
    host.id = "warmline-root";
    // Out of the page's flow whatever its CSS says (`* {all: unset}` makes
    // us an inline box a line tall): an inline style outranks its sheets.
    host.style.setProperty("position", "fixed", "important");
    root = host.attachShadow({ mode: "open" });
    try {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      root.adoptedStyleSheets = [sheet];
    } catch (e) {
      // No constructable stylesheets (older browsers).
      el("style", "", root).textContent = CSS;
    }
    mq = matchMedia(WIDE);

    panel = el("div", "panel", root);
    panel.tabIndex = -1; // so a modal panel can hold focus before the app has drawn
    panel.setAttribute("role", "dialog");

    launcher = el("button", "launcher", root);
    const NS = "http://www.w3.org/2000/svg";
    const svg = launcher.appendChild(document.createElementNS(NS, "svg"));
    svg.setAttribute("viewBox", "0 0 24 24");
    icon = svg.appendChild(document.createElementNS(NS, "path"));
    text = el("span", "text", launcher);
    badge = el("span", "badge", launcher); // a button's content is not read: the count is in its name

    launcher.addEventListener("click", () => setOpen(!isOpen, true));
    // Warm the app up on hover or keyboard focus, a moment before the click.
    launcher.addEventListener("pointerenter", preload);
    launcher.addEventListener("focus", preload);
    panel.addEventListener("keydown", onKey);

    // Events from the app: its minimize button, the unread count, messages.
    panel.addEventListener("warmline:close", () => setOpen(false, true));
    panel.addEventListener("warmline:unread", (e) => {
      unread = e.detail;
      paint();
    });
    panel.addEventListener("warmline:message", (e) => {
      const message = e.detail || {};
      emit("message", message);
      // Agents' and bots' replies chime (from is "agent", "bot" or "system").
      if (message.from !== "system" && stored("sound") === "1") chime();
    });
    mq.onchange = paint; // a harmless expando where MediaQueryList is no EventTarget

    document.body.appendChild(host);

    // A page's open()/close() before we could draw wins over the last visit;
    // reopened after a reload, the visitor did not ask, so focus stays put.
    setOpen(...(pending || [stored("open") === "1"]));
    if (!isOpen) (window.requestIdleCallback || ((f) => setTimeout(f, 2000)))(preload, { timeout: 10000 });
  });

  const onKey = (e) => {
    // Escape while composing text with an input method cancels only that.
    if (e.key === "Escape" && !e.isComposing) {
      setOpen(false, true);
    } else if (e.key === "Tab" && !mq.matches) {
      // Modal on small screens: Tab and Shift+Tab go round inside the panel.
      const items = [...panel.querySelectorAll("a[href],button,input,select,textarea,[tabindex]")].filter(
        (item) => !item.disabled && item.tabIndex >= 0 && item.getClientRects().length
      );
      const first = items[0];
      const last = items[items.length - 1];
      const at = root.activeElement;
      if (first && (e.shiftKey ? at === first || at === panel : at === last)) {
        e.preventDefault();
        (e.shiftKey ? last : first).focus();
      }
    }
  };

  const focusInput = () => {
    const input = panel.querySelector(".compose textarea");
    if (input) input.focus({ preventScroll: true });
    return input;
  };

  const setOpen = (open, focus) => {
    if (!panel) {
      pending = [open, focus];
      return;
    }
    const changed = open !== isOpen;
    // Asked before hiding the panel, which can take the focus away.
    const inside = panel.contains(root.activeElement);
    isOpen = open;
    paint();
    try {
      localStorage.setItem(key("open"), +open);
    } catch (e) {
      /* storage blocked: the panel just starts closed next time */
    }
    if (open) {
      focusWhenReady = focus;
      start();
      // The input takes focus if asked and there; otherwise, on a small
      // screen, the panel does, as a modal must hold it (without popping up
      // the on-screen keyboard for a chat restored after a reload).
      if (!(focus && focusInput() || mq.matches)) panel.focus({ preventScroll: true });
    } else if (focus || inside) {
      launcher.focus();
    }
    if (changed) {
      tell("set_open", open);
      emit(open ? "open" : "close");
    }
  };

  // --- The app --------------------------------------------------------------

  const notice = (word) => {
    panel.textContent = "";
    const p = el("p", "notice", panel);
    p.setAttribute("role", "status");
    p.textContent = t(word);
  };

  // Fetches and compiles the app once; a failure allows a later retry.
  const load = () => {
    if (!loading) {
      const files = config.app;
      loading = import(relay + files.js).then((m) => m.default({ module_or_path: relay + files.wasm }).then(() => m));
      loading.catch(() => {
        loading = null;
      });
    }
    return loading;
  };

  const preload = () => {
    load().catch(() => {
      /* reported when the visitor opens the chat */
    });
  };

  const start = () => {
    if (started) return;
    notice("loading");
    load()
      .then((m) => {
        if (started) return;
        started = true; // once per page, even if it throws
        panel.textContent = "";
        app = m.start(panel, config, relay);
        tell("identify", identity);
        tell("set_open", isOpen);
        if (focusWhenReady) focusInput(); // no-op if closed again: the input is hidden
      })
      .catch((e) => {
        later("could not load the chat app (" + e + ").");
        notice("unavailable");
      });
  };

  // A soft rising two-note chime (E5 then A5), made on the spot: no sound
  // file to fetch. A sine wave changes pitch and fades without clicking.
  const chime = () => {
    try {
      audio = audio || new AudioContext();
      audio.resume();
      const at = audio.currentTime;
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = 659;
      osc.frequency.setValueAtTime(880, at + 0.14);
      gain.gain.value = 0.06;
      gain.gain.setTargetAtTime(0, at + 0.14, 0.12);
      osc.connect(gain).connect(audio.destination);
      osc.start();
      osc.stop(at + 0.9);
    } catch (e) {
      /* no audio here: the message still shows */
    }
  };

  // --- Start ----------------------------------------------------------------

  // Replays what the page asked before this file ran: setLocale and open
  // only take note until the configuration is asked for, below.
  guard(() => {
    for (const call of (stub && stub.q) || []) {
      if (typeof api[call[0]] === "function") api[call[0]](...call.slice(1));
    }
  })();

  guard(() => {
    // Every browser that runs this code sets currentScript for a classic script.
    const script = document.currentScript;
    site = script && script.getAttribute("data-site");
    if (!site) return warn("the script tag needs a data-site attribute");
    relay = new URL(script.src, location.href).origin;

    // The browser names what it blocked; we say it was us, and where to look.
    const csp = (directive) =>
      once("this page's Content-Security-Policy blocked Warmline (" + directive + '); see "Content-Security-Policy" in the README.');
    // The tag's onload handler was refused before this file ran, too early
    // to hear about; a refused handler reads as null.
    if (script.hasAttribute("onload") && !script.onload) csp("script-src-attr");
    // Later, the page's policy may block our requests (to the relay's host,
    // whatever the scheme: https or wss), the app's compilation
    // (wasm-eval), or the fallback <style> in our shadow root.
    document.addEventListener("securitypolicyviolation", (e) => {
      const uri = e.blockedURI;
      // Only a blocked request or compilation also fails in a way that
      // would otherwise be reported as the relay or the app being down.
      const request = uri.split("/")[2] === relay.split("/")[2] || (uri === "wasm-eval" && !started);
      if (request || e.target === host) {
        blocked = blocked || request;
        csp(e.effectiveDirective);
      }
    });

    ready = true;
    configure();
  })();
})();

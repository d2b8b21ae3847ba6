/*
 * Warmline chat widget loader, served as /widget.js.
 *
 *   <script async src="https://RELAY/widget.js" data-site="SITE_ID"></script>
 *
 * Draws the launcher button inside a shadow root (host CSS cannot reach in,
 * ours cannot leak out), fetches the chat app (WebAssembly) when the browser
 * is idle or on the first click, and starts it the first time the visitor
 * opens the chat. Whatever fails here stays here: the host page must never
 * break because the relay is unreachable.
 */
(function () {
  "use strict";

  var FLAG = "__warmlineWidget";
  if (window[FLAG]) return; // the tag was pasted twice
  window[FLAG] = true;

  var script =
    document.currentScript ||
    document.querySelector('script[data-site][src$="/widget.js"]');
  if (!script) return;
  var site = script.getAttribute("data-site");
  if (!site) {
    warn("the script tag needs a data-site attribute");
    return;
  }
  var relay;
  try {
    relay = new URL(script.src, location.href).origin;
  } catch (e) {
    return;
  }
  var openKey = "warmline." + site + ".open";

  var CSS =
    ":host{all:initial}" +
    "*,*::before,*::after{box-sizing:border-box}" +
    ".launcher{position:fixed;right:20px;bottom:20px;z-index:2147483000;width:56px;height:56px;" +
    "display:grid;place-items:center;padding:0;border:0;border-radius:50%;cursor:pointer;" +
    "background:#c2410c;color:#fff;box-shadow:0 6px 20px rgba(124,45,18,.35);transition:transform .15s ease}" +
    ".launcher:hover{transform:scale(1.06)}" +
    ".launcher:focus-visible{outline:3px solid #fdba74;outline-offset:3px}" +
    ".launcher svg{width:28px;height:28px}" +
    ".launcher .icon-shut{display:none;fill:none;stroke:currentColor;stroke-width:2.4;stroke-linecap:round}" +
    ".launcher[aria-expanded=true] .icon-open{display:none}" +
    ".launcher[aria-expanded=true] .icon-shut{display:block}" +
    ".badge{position:absolute;top:3px;right:3px;width:14px;height:14px;border-radius:50%;" +
    "background:#16a34a;border:2px solid #fff;display:none}" +
    ".unread .badge{display:block}" +
    ".panel{position:fixed;right:20px;bottom:88px;z-index:2147483000;width:360px;max-width:calc(100vw - 40px);" +
    "height:600px;max-height:calc(100vh - 112px);display:flex;flex-direction:column;overflow:hidden;" +
    "border-radius:16px;background:#fffaf6;box-shadow:0 12px 48px rgba(43,36,32,.22),0 2px 8px rgba(43,36,32,.08)}" +
    ".panel[hidden]{display:none}" +
    ".notice{margin:auto;padding:24px;text-align:center;color:#6b5d55;" +
    "font:14px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans',sans-serif}" +
    "@media (max-width:480px){.panel{inset:0;width:auto;max-width:none;height:auto;max-height:none;border-radius:0}" +
    ".launcher[aria-expanded=true]{display:none}}" +
    "@media (prefers-reduced-motion:reduce){.launcher{transition:none}}";

  var SVG = "http://www.w3.org/2000/svg";

  var panel, launcher, loading, started, isOpen, focusWhenReady;

  function warn(message) {
    if (window.console) console.warn("Warmline: " + message);
  }

  function icon(cls, d) {
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("class", cls);
    var path = document.createElementNS(SVG, "path");
    path.setAttribute("d", d);
    if (cls === "icon-open") path.setAttribute("fill", "currentColor");
    svg.appendChild(path);
    return svg;
  }

  function remember(open) {
    try {
      if (open) localStorage.setItem(openKey, "1");
      else localStorage.removeItem(openKey);
    } catch (e) {
      /* storage blocked: the panel just starts closed next time */
    }
  }

  function wasOpen() {
    try {
      return localStorage.getItem(openKey) === "1";
    } catch (e) {
      return false;
    }
  }

  // Fetches and compiles the app once; a failure allows a later retry.
  function load() {
    if (!loading) {
      loading = import(relay + "/widget/warmline_widget.js").then(function (m) {
        return m
          .default({ module_or_path: relay + "/widget/warmline_widget_bg.wasm" })
          .then(function () {
            return m;
          });
      });
      loading.catch(function () {
        loading = null;
      });
    }
    return loading;
  }

  function notice(text) {
    var p = document.createElement("p");
    p.className = "notice";
    p.setAttribute("role", "status");
    p.textContent = text;
    panel.replaceChildren(p);
  }

  function start() {
    if (started) return;
    notice("Loading chat…");
    load().then(
      function (m) {
        if (started) return;
        started = true;
        panel.replaceChildren();
        try {
          m.start(panel, site, relay);
        } catch (e) {
          warn("the chat app failed to start: " + e);
          notice("Chat is unavailable right now. Please try again later.");
          return;
        }
        if (isOpen && focusWhenReady) focusInput();
      },
      function (e) {
        warn("could not load the chat app from " + relay + " (" + e + ")");
        notice("Chat is unavailable right now. Please try again later.");
      }
    );
  }

  function focusInput() {
    var input = panel.querySelector("textarea");
    if (input) input.focus({ preventScroll: true });
  }

  function setOpen(open, fromVisitor) {
    isOpen = open;
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", String(open));
    launcher.setAttribute("aria-label", open ? "Close chat" : "Open chat");
    remember(open);
    if (!open) return;
    launcher.classList.remove("unread");
    // Only a visitor's own click moves focus; a panel reopened by a reload
    // must not take it from the host page.
    focusWhenReady = fromVisitor;
    if (!started) start();
    else if (fromVisitor) focusInput();
  }

  function install() {
    if (document.getElementById("warmline-root")) return;
    var host = document.createElement("warmline-chat");
    host.id = "warmline-root";
    var root = host.attachShadow({ mode: "open" });
    try {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      root.adoptedStyleSheets = [sheet];
    } catch (e) {
      // No constructable stylesheets (older browsers).
      var style = document.createElement("style");
      style.textContent = CSS;
      root.appendChild(style);
    }

    panel = document.createElement("div");
    panel.className = "panel";
    panel.id = "panel";
    panel.hidden = true;
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-label", "Chat");

    launcher = document.createElement("button");
    launcher.type = "button";
    launcher.className = "launcher";
    launcher.setAttribute("aria-controls", "panel");
    launcher.setAttribute("aria-expanded", "false");
    launcher.setAttribute("aria-label", "Open chat");
    launcher.appendChild(
      icon("icon-open", "M4 6.5A3.5 3.5 0 0 1 7.5 3h9A3.5 3.5 0 0 1 20 6.5v6a3.5 3.5 0 0 1-3.5 3.5H11l-4.6 3.7c-.5.4-1.2 0-1.2-.6V16A3.5 3.5 0 0 1 4 12.5z")
    );
    launcher.appendChild(icon("icon-shut", "M7 7l10 10M17 7L7 17"));
    var badge = document.createElement("span");
    badge.className = "badge";
    launcher.appendChild(badge);

    launcher.addEventListener("click", function () {
      setOpen(!isOpen, true);
    });
    // Warm the app up on hover or keyboard focus, a moment before the click.
    launcher.addEventListener("pointerenter", preload);
    launcher.addEventListener("focus", preload);

    panel.addEventListener("keydown", function (e) {
      if (e.key === "Escape") {
        setOpen(false);
        launcher.focus();
      }
    });
    // Events from the app: its minimize button, and replies arriving while closed.
    panel.addEventListener("warmline:close", function () {
      setOpen(false);
      launcher.focus();
    });
    panel.addEventListener("warmline:unread", function () {
      if (!isOpen) launcher.classList.add("unread");
    });

    root.appendChild(panel);
    root.appendChild(launcher);
    document.body.appendChild(host);

    if (wasOpen()) {
      setOpen(true, false);
    } else {
      var idle =
        window.requestIdleCallback ||
        function (f) {
          return setTimeout(f, 2000);
        };
      idle(preload, { timeout: 10000 });
    }
  }

  function preload() {
    load().catch(function () {
      /* reported when the visitor opens the chat */
    });
  }

  function safely(f) {
    return function () {
      try {
        f();
      } catch (e) {
        warn("the chat widget could not be shown (" + e + ")");
      }
    };
  }

  if (document.body) safely(install)();
  else document.addEventListener("DOMContentLoaded", safely(install));
})();

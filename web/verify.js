// The page: takes a proof line (typed, from a photo, from the camera), asks
// check.js for the verdict and shows it. Everything stays in the page.
"use strict";

(function () {
  var C = PishkhanCheck;
  var subtle = window.crypto && window.crypto.subtle;
  var $ = function (id) {
    return document.getElementById(id);
  };
  var state = { registry: null, registryFrom: "", ed25519: null };

  // ----- the QR decoder: ZXing-C++ compiled from the bytes beside the page -----

  var decoderReady = null;
  function decoder() {
    if (!decoderReady) {
      var bin = atob(window.ZXING_READER_WASM);
      var bytes = new Uint8Array(bin.length);
      for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      decoderReady = ZXingWASM.prepareZXingModule({
        overrides: {
          wasmBinary: bytes.buffer,
          // Never a CDN: the binary above is all there is.
          locateFile: function (path) {
            return path;
          },
        },
        fireImmediately: true,
      });
    }
    return decoderReady;
  }

  var READ = { formats: ["QRCode"], tryHarder: true, tryRotate: true, tryInvert: false, maxNumberOfSymbols: 8 };

  // The proof lines among the codes of an image (ImageData).
  async function linesIn(imageData) {
    await decoder();
    var found = await ZXingWASM.readBarcodes(imageData, READ);
    return found
      .filter(function (r) {
        return r.isValid && /^PK[12]\|/.test(r.text);
      })
      .map(function (r) {
        return r.text;
      });
  }

  // A photo's pixels, at most `side` pixels on its longer side (a phone's 12-megapixel
  // photo is slow to search whole), turned upright by its EXIF orientation.
  async function pixels(file, side) {
    var bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
    var scale = Math.min(1, side / Math.max(bitmap.width, bitmap.height));
    var w = Math.max(1, Math.round(bitmap.width * scale));
    var h = Math.max(1, Math.round(bitmap.height * scale));
    var canvas = document.createElement("canvas");
    canvas.width = w;
    canvas.height = h;
    var ctx = canvas.getContext("2d", { willReadFrequently: true });
    ctx.drawImage(bitmap, 0, 0, w, h);
    bitmap.close();
    return { data: ctx.getImageData(0, 0, w, h), scaled: scale < 1 };
  }

  async function fromPhoto(file) {
    busy("در حال خواندن رمزینه…", "Reading the QR code…");
    try {
      var first = await pixels(file, 2000);
      var lines = await linesIn(first.data);
      if (!lines.length && first.scaled) lines = await linesIn((await pixels(file, 8000)).data);
      if (!lines.length) {
        show({ kind: "cannot", reason: "no_code" });
        return;
      }
      await checkAll(lines);
    } catch (e) {
      show({ kind: "cannot", reason: "no_image", why: String((e && e.message) || e) });
    }
  }

  // ----- the camera, where the browser allows it -----

  var camera = { stream: null, timer: 0 };

  async function startCamera() {
    try {
      camera.stream = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: { ideal: "environment" }, width: { ideal: 1920 } },
        audio: false,
      });
    } catch (e) {
      show({ kind: "cannot", reason: "no_camera", why: String((e && e.name) || e) });
      return;
    }
    var video = $("camera");
    video.srcObject = camera.stream;
    video.hidden = false;
    $("camera-start").hidden = true;
    $("camera-stop").hidden = false;
    await video.play();
    var canvas = document.createElement("canvas");
    var ctx = canvas.getContext("2d", { willReadFrequently: true });
    var looking = false;
    camera.timer = setInterval(async function () {
      if (looking || !video.videoWidth) return;
      looking = true;
      try {
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
        ctx.drawImage(video, 0, 0);
        var lines = await linesIn(ctx.getImageData(0, 0, canvas.width, canvas.height));
        if (lines.length && camera.stream) {
          stopCamera();
          await checkAll(lines);
        }
      } finally {
        looking = false;
      }
    }, 300);
  }

  function stopCamera() {
    clearInterval(camera.timer);
    if (camera.stream) {
      camera.stream.getTracks().forEach(function (t) {
        t.stop();
      });
    }
    camera.stream = null;
    $("camera").hidden = true;
    $("camera").srcObject = null;
    $("camera-start").hidden = false;
    $("camera-stop").hidden = true;
  }

  // ----- verdicts -----

  async function checkAll(lines) {
    var unique = lines.filter(function (l, i) {
      return lines.indexOf(l) === i;
    });
    var verdicts = [];
    for (var i = 0; i < unique.length; i++) {
      verdicts.push(await C.verdict(unique[i], state.registry, subtle));
    }
    $("line").value = unique.join("\n");
    show(verdicts[0], verdicts.slice(1));
  }

  // The sentences of each verdict: Persian first, English beside it.
  function sentences(v) {
    var l = v.line || {};
    var k = v.key || {};
    var fa = C.persianDigits;
    // Codes and numbers kept left to right inside the Persian sentence.
    var ltr = function (s) {
      return "\u2066" + s + "\u2069";
    };
    var office = function (code, name) {
      // The name isolated too: Persian inside the English sentence, or the reverse.
      return ltr(code) + (name ? " (\u2068" + name + "\u2069)" : "");
    };
    switch (v.reason) {
      case "signed":
        return [
          "صادرشده از دفتر " + office(l.office, k.name),
          "Issued by office " + office(l.office, k.name),
        ];
      case "signature":
        return [
          "امضا نمی‌خواند: این متن را دفتر امضا نکرده یا پس از امضا دست خورده است",
          "The signature does not match: the office did not sign this text, or it was changed after signing",
        ];
      case "unknown_office":
        return [
          "دفتر ناشناخته: دفتر " + ltr(l.office) + " در فهرست کلیدها نیست",
          "Unknown office: " + l.office + " has no key in the registry",
        ];
      case "unknown_key":
        return [
          "کلید ناشناخته: کلید " + ltr(l.fingerprint) + " در فهرست کلیدهای دفتر " + ltr(l.office) + " نیست",
          "Unknown key: the registry has no key " + l.fingerprint + " for office " + l.office,
        ];
      case "other_office":
        return [
          "این کلید از آنِ دفتر " + ltr(k.office) + " است، نه دفتر " + ltr(l.office),
          "The key is office " + k.office + "'s, not office " + l.office + "'s",
        ];
      case "key_dates":
        var span = fa(k.from) + (k.until ? " تا " + fa(k.until) : " به بعد");
        return [
          "کلید در تاریخ " + fa(l.date) + " معتبر نبود (از " + span + ")",
          "The key was not valid on that date: it signs from " + k.from + (k.until ? " until " + k.until : ""),
        ];
      case "not_a_line":
        return ["این متن رمزینهٔ رسید پیشخوان نیست", "Not a pishkhan proof line: " + v.why];
      case "unsigned":
        return [
          "این رسید امضای دفتر را ندارد (PK1): فقط خود دفتر با دفتر کلش می‌تواند آن را بسنجد",
          "This receipt's line is not signed (PK1): only its office can check it, against its ledger",
        ];
      case "no_ed25519":
        return [
          "این مرورگر امضای Ed25519 را نمی‌سنجد: چیزی بررسی نشد. صفحه را در مرورگری تازه (Chrome یا Edge ۱۳۷ به بعد، Firefox ۱۲۹، Safari ۱۷) باز کنید",
          "This browser cannot check Ed25519 signatures: nothing was verified. Open the page in a recent browser (Chrome or Edge 137+, Firefox 129+, Safari 17+)",
        ];
      case "insecure":
        return [
          "این صفحه با http ساده باز شده و مرورگر در آن امضا نمی‌سنجد: چیزی بررسی نشد. آن را با https یا از پرونده باز کنید",
          "This page was opened over plain http, where the browser keeps its cryptography from it: nothing was verified. Open it over https or from a file",
        ];
      case "no_registry":
        return [
          "فهرست کلیدهای دفاتر در دست نیست: پروندهٔ آن را انتخاب کنید",
          "No registry of office keys: choose its file below",
        ];
      case "no_code":
        return [
          "رمزینه‌ای در عکس پیدا نشد: از نزدیک‌تر، صاف و در نور خوب دوباره عکس بگیرید، یا متن آن را وارد کنید",
          "No QR code found in the photo: take it again closer, flat and in good light, or type its text",
        ];
      case "empty":
        return ["متن رمزینه را در کادر بچسبانید یا بنویسید", "Paste or type the code's text in the box first"];
      case "no_image":
        return ["این پرونده عکس نیست", "The file is not an image: " + v.why];
      case "no_camera":
        return ["دوربین در دسترس نیست", "The camera cannot be used here: " + v.why];
      default:
        return ["نتیجه نامعلوم", "Unknown result"];
    }
  }

  // The facts the line claims: shown on green to hold against the paper, and on red
  // so that the reader sees what was claimed.
  function facts(v) {
    var l = v.line;
    if (!l) return [];
    var rows = [
      ["دفتر", "Office", l.office],
      ["شمارهٔ رسید", "Receipt", l.number],
      ["تاریخ", "Date", C.persianDigits(l.date)],
      ["سهم دفتر", "Office fees", C.toman(l.officeTotal, true) + " تومان", C.toman(l.officeTotal, false) + " toman"],
      ["وجوه سازمان فنی و حرفه‌ای", "TVTO fees", C.toman(l.tvtoTotal, true) + " تومان", C.toman(l.tvtoTotal, false) + " toman"],
    ];
    if (l.nationalId) rows.push(["کد ملی", "National ID", C.persianDigits(l.nationalId)]);
    return rows;
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // A paragraph in Persian with its English below it.
  function pair(cls, fa, en) {
    var p = el("p", cls, fa);
    var e = el("span", "en", en);
    e.lang = "en";
    e.dir = "ltr";
    p.append(e);
    return p;
  }

  function card(v) {
    var box = el("div", "card " + v.kind);
    box.dataset.verdict = v.kind;
    box.dataset.reason = v.reason;
    var mark = { ok: "✔", bad: "✖", cannot: "!" }[v.kind] || "";
    var say = sentences(v);
    var head = el("p", "headline");
    head.append(el("span", "mark", mark), el("span", "fa", say[0]));
    var en = el("p", "en", say[1]);
    en.lang = "en";
    en.dir = "ltr";
    box.append(head, en);
    var list = facts(v);
    if (list.length && v.kind !== "ok") {
      box.append(pair("claimed", "آنچه این متن می‌گوید (ثابت‌نشده):", "What the line says (not proven):"));
    }
    if (list.length) {
      var dl = el("dl", "facts");
      list.forEach(function (f) {
        var dt = el("dt", "", f[0] + " ");
        var dtEn = el("span", "en", f[1]);
        dtEn.lang = "en";
        dt.append(dtEn);
        var dd = el("dd", "");
        var value = el("bdi", "", f[2]);
        dd.append(value);
        if (f[3]) {
          var ddEn = el("span", "en", f[3]);
          ddEn.lang = "en";
          ddEn.dir = "ltr";
          dd.append(" ", ddEn);
        }
        dl.append(dt, dd);
      });
      box.append(dl);
    }
    if (v.kind === "ok") {
      box.append(pair("note",
        "همین مبلغ‌ها، تاریخ و کد ملی باید روی کاغذ رسید هم چاپ شده باشد؛ اگر نه، رمزینه از رسید دیگری برداشته شده است.",
        "The paper must show these same amounts, date and national ID; if it does not, the code was copied from another receipt."));
    }
    if (v.demo) {
      box.append(pair("note demo",
        "این کلید، کلید نمایشی پیشخوان است که همه آن را دارند: این رسید هیچ چیزی را ثابت نمی‌کند.",
        "This is pishkhan's DEMONSTRATION key, which anyone has: this receipt proves nothing."));
    }
    if (state.registryFrom && v.key) {
      // Not the page's own registry: whoever made the file vouches for its keys.
      box.append(pair("from",
        "سنجیده با فهرست کلیدی که خودتان انتخاب کردید: " + state.registryFrom,
        "Checked against a registry you chose: " + state.registryFrom));
    }
    return box;
  }

  function show(first, more) {
    // Plain http keeps WebCrypto from the page: say so rather than blame the browser.
    if (first.reason === "no_ed25519" && !window.isSecureContext) first.reason = "insecure";
    var out = $("verdict");
    out.hidden = false;
    out.dataset.verdict = first.kind;
    out.dataset.reason = first.reason;
    out.replaceChildren(card(first));
    (more || []).forEach(function (v) {
      out.append(card(v));
    });
    out.scrollIntoView({ block: "nearest" });
  }

  function busy(fa, en) {
    var out = $("verdict");
    out.hidden = false;
    out.dataset.verdict = "busy";
    out.dataset.reason = "";
    out.replaceChildren(el("p", "busy", fa + " " + en));
  }

  // ----- the registry -----

  function registryStatus(kind, fa, en) {
    var p = $("registry-status");
    p.dataset.registry = kind;
    p.className = "registry-" + kind;
    var e = el("span", "en", en);
    e.lang = "en";
    e.dir = "ltr";
    p.replaceChildren(fa + " ", e);
  }

  async function useRegistry(source, from, beside) {
    try {
      state.registry = await C.readRegistry(source, subtle);
      state.registryFrom = beside ? "" : from;
      var n = state.registry.keys.length;
      registryStatus(
        "ok",
        C.persianDigits(n) + " کلید از " + (beside ? "registry.js کنار این صفحه" : "پروندهٔ " + from + " (انتخاب شما)"),
        n + (n === 1 ? " key" : " keys") + ", from " + (beside ? "registry.js beside this page" : "the file " + from + " (your choice)")
      );
    } catch (e) {
      state.registry = null;
      registryStatus("bad", "فهرست کلیدها خوانده نشد: " + from, "The registry " + from + " cannot be used: " + e.message);
    }
  }

  // ----- start -----

  async function start() {
    state.ed25519 = await C.hasEd25519(subtle);
    if (window.PISHKHAN_REGISTRY) {
      await useRegistry(window.PISHKHAN_REGISTRY, "registry.js", true);
    } else {
      registryStatus("none", "کنار این صفحه فهرست کلیدی (registry.js) نیست: پروندهٔ آن را انتخاب کنید.", "There is no registry.js beside this page: choose the registry's file.");
    }
    if (!state.ed25519) show({ kind: "cannot", reason: "no_ed25519" });
    if (!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia)) $("camera-way").hidden = true;

    $("check").addEventListener("click", function () {
      var lines = $("line").value.split(/\s+/).filter(Boolean);
      if (lines.length) checkAll(lines);
      else show({ kind: "cannot", reason: "empty" });
    });
    $("line").addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey) {
        e.preventDefault();
        $("check").click();
      }
    });
    $("photo").addEventListener("change", function () {
      if (this.files[0]) fromPhoto(this.files[0]);
      this.value = "";
    });
    $("registry-file").addEventListener("change", async function () {
      var f = this.files[0];
      if (f) await useRegistry(await f.text(), f.name, false);
      this.value = "";
    });
    $("camera-start").addEventListener("click", startCamera);
    $("camera-stop").addEventListener("click", stopCamera);
    document.body.dataset.ready = "yes";
  }

  start();
})();

// What the page knows of a pishkhan proof line and the guild's registry of office
// keys, apart from the page itself: reading a line, reading a registry, and the
// verdict on a line. The signature is checked by the browser's own WebCrypto
// (Ed25519); nothing here is cryptography of ours. The same rules as
// `pishkhan verify LINE --keys REGISTRY` (src/desk/proof.rs, src/desk/keys.rs).
"use strict";

var PishkhanCheck = (function () {
  var REGISTRY_FORMAT = "pishkhan-key-registry/1";
  // The key of examples/demo-office.key: public, so whatever it signs proves nothing.
  var DEMO_FINGERPRINT = "934d6e1fa557ae49";

  // A line that is not what a pishkhan receipt prints; `why` says what is wrong.
  function NotALine(why) {
    this.why = why;
  }

  // Persian and Arabic-Indic digits as ASCII: a line typed on a Persian keyboard.
  function asciiDigits(s) {
    return s.replace(/[\u06F0-\u06F9\u0660-\u0669]/g, function (c) {
      var code = c.charCodeAt(0);
      return String(code >= 0x06f0 ? code - 0x06f0 : code - 0x0660);
    });
  }

  function persianDigits(s) {
    return String(s).replace(/[0-9]/g, function (d) {
      return "۰۱۲۳۴۵۶۷۸۹"[d];
    });
  }

  // An amount in rial (a string of digits) as toman, exact: BigInt, never a float.
  function toman(rial, persian) {
    var r = BigInt(rial);
    var whole = (r / 10n).toString();
    var frac = r % 10n;
    var sep = persian ? "\u066C" : ",";
    var grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, sep);
    if (frac !== 0n) grouped += (persian ? "\u066B" : ".") + frac.toString();
    return persian ? persianDigits(grouped) : grouped;
  }

  // `1402/10/26`, zero-padded as pishkhan writes it; throws on a day no month has,
  // or a year outside pishkhan's (1300 to 1500). Esfand 30 of a common year passes
  // here and fails the signature: pishkhan never signs such a date.
  function jalali(text, field) {
    var m = /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/.exec(text);
    var ok = false;
    if (m) {
      var year = +m[1];
      var month = +m[2];
      var day = +m[3];
      ok = year >= 1300 && year <= 1500 && month >= 1 && month <= 12 &&
        day >= 1 && day <= (month <= 6 ? 31 : 30);
    }
    if (!ok) throw new NotALine(field + ' "' + text + '" is not a date like 1402/10/26');
    return m[1] + "/" + m[2].padStart(2, "0") + "/" + m[3].padStart(2, "0");
  }

  function rial(text, field) {
    if (!/^\d{1,16}$/.test(text)) throw new NotALine(field + ' "' + text + '" is not an amount in rial');
    return BigInt(text).toString();
  }

  var B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

  // Unpadded URL-safe base64 of exactly 64 bytes, in its one canonical spelling.
  function signatureBytes(text) {
    if (!/^[A-Za-z0-9_-]{86}$/.test(text)) return null;
    var bytes = new Uint8Array(64);
    var acc = 0;
    var bits = 0;
    var n = 0;
    for (var i = 0; i < text.length; i++) {
      acc = (acc << 6) | B64.indexOf(text[i]);
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        bytes[n++] = (acc >> bits) & 0xff;
      }
    }
    // The last character's unused low bits must be zero, as the Rust side insists.
    if ((acc & ((1 << bits) - 1)) !== 0) return null;
    return bytes;
  }

  function hexBytes(hex) {
    var out = new Uint8Array(hex.length / 2);
    for (var i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
    return out;
  }

  // Reads a proof line: `PK2|office|receipt_no|date|office_total|tvto_total|hash|
  // national_id|fingerprint|signature`, or the unsigned `PK1|…` (its first seven).
  // Throws NotALine.
  function parseLine(input) {
    var text = asciiDigits(String(input)).trim();
    var tag = text.slice(0, 4);
    if (tag !== "PK1|" && tag !== "PK2|") {
      throw new NotALine("it does not start with PK2| (or PK1|)");
    }
    var parts = text.split("|");
    var want = tag === "PK2|" ? 10 : 7;
    if (parts.length !== want) {
      throw new NotALine("it has " + parts.length + " fields where a " + tag.slice(0, 3) + " line has " + want);
    }
    var line = {
      signed: tag === "PK2|",
      office: parts[1],
      number: parts[2],
      date: jalali(parts[3], "date"),
      officeTotal: rial(parts[4], "office_total"),
      tvtoTotal: rial(parts[5], "tvto_total"),
      hash: parts[6].toLowerCase(),
    };
    if (!line.office || /\s/.test(line.office)) throw new NotALine("the office code is empty");
    if (!/^\d{4}-\d{6}$/.test(line.number)) {
      throw new NotALine('receipt_no "' + line.number + '" is not like 1402-000123');
    }
    if (!/^[0-9a-f]{16}$/.test(line.hash)) throw new NotALine('hash "' + parts[6] + '" is not 16 hex digits');
    if (!line.signed) return line;
    line.nationalId = parts[7];
    line.fingerprint = parts[8].toLowerCase();
    if (!/^\d{10}$/.test(line.nationalId)) {
      throw new NotALine('national_id "' + parts[7] + '" is not ten digits');
    }
    if (!/^[0-9a-f]{16}$/.test(line.fingerprint)) {
      throw new NotALine('fingerprint "' + parts[8] + '" is not 16 hex digits');
    }
    line.signature = signatureBytes(parts[9]);
    if (!line.signature) throw new NotALine("the signature is not 64 bytes of base64");
    // The bytes signed, rebuilt from the fields as pishkhan writes them.
    line.message = [
      "PK2", line.office, line.number, line.date, line.officeTotal, line.tvtoTotal,
      line.hash, line.nationalId, line.fingerprint,
    ].join("|");
    return line;
  }

  // Reads a published registry (the object `pishkhan key registry` writes, or the
  // text of its .js or .json file) and checks each key's fingerprint against its
  // public key. Resolves to { keys, byFingerprint, offices }; rejects with a reason.
  async function readRegistry(source, subtle) {
    if (!subtle) throw new Error("the browser gives this page no WebCrypto (plain http?)");
    var data = source;
    if (typeof source === "string") {
      // A script file's object: never run, only read as JSON.
      var start = source.indexOf("{");
      var end = source.lastIndexOf("}");
      if (start < 0 || end < start) throw new Error("it holds no registry");
      data = JSON.parse(source.slice(start, end + 1));
    }
    if (!data || data.format !== REGISTRY_FORMAT || !Array.isArray(data.keys)) {
      throw new Error("it is not a registry of pishkhan office keys (" + REGISTRY_FORMAT + ")");
    }
    var registry = { keys: [], byFingerprint: {}, offices: {} };
    for (var i = 0; i < data.keys.length; i++) {
      var k = data.keys[i];
      var where = "key " + (i + 1);
      if (!k || !/^[0-9a-f]{64}$/.test(k.public) || !/^[0-9a-f]{16}$/.test(k.fingerprint)) {
        throw new Error(where + ": no public key of 64 hex digits and fingerprint of 16");
      }
      var digest = new Uint8Array(await subtle.digest("SHA-256", hexBytes(k.public)));
      var fp = Array.from(digest.slice(0, 8), function (b) {
        return b.toString(16).padStart(2, "0");
      }).join("");
      if (fp !== k.fingerprint) throw new Error(where + ": the fingerprint is not its public key's");
      var key = {
        fingerprint: k.fingerprint,
        office: String(k.office),
        name: k.name ? String(k.name) : "",
        public: k.public,
        from: jalali(String(k.from), "from"),
        until: k.until ? jalali(String(k.until), "until") : null,
      };
      registry.keys.push(key);
      registry.byFingerprint[key.fingerprint] = key;
      registry.offices[key.office] = true;
    }
    return registry;
  }

  // Whether this browser's WebCrypto checks Ed25519 signatures: asked once.
  var probed = new WeakMap();
  function hasEd25519(subtle) {
    if (!subtle) return Promise.resolve(false);
    if (!probed.has(subtle)) probed.set(subtle, probe(subtle));
    return probed.get(subtle);
  }

  async function probe(subtle) {
    try {
      await subtle.importKey("raw", new Uint8Array(32).fill(1), { name: "Ed25519" }, false, ["verify"]);
      return true;
    } catch (e) {
      // A bad point would be DataError; NotSupportedError means no Ed25519 at all.
      return e && e.name === "DataError";
    }
  }

  // The verdict on a line: { kind: "ok" | "bad" | "cannot", reason, line, key, why }.
  // "ok" only once the signature held with a key the registry gives the office on
  // the receipt's date; anything short of that is never "ok".
  async function verdict(input, registry, subtle) {
    var line;
    try {
      line = parseLine(input);
    } catch (e) {
      if (e instanceof NotALine) return { kind: "bad", reason: "not_a_line", why: e.why };
      throw e;
    }
    if (!line.signed) return { kind: "cannot", reason: "unsigned", line: line };
    if (!(await hasEd25519(subtle))) return { kind: "cannot", reason: "no_ed25519", line: line };
    if (!registry) return { kind: "cannot", reason: "no_registry", line: line };
    var key = registry.byFingerprint[line.fingerprint];
    if (!key) {
      var reason = registry.offices[line.office] ? "unknown_key" : "unknown_office";
      return { kind: "bad", reason: reason, line: line };
    }
    var publicKey = await subtle.importKey("raw", hexBytes(key.public), { name: "Ed25519" }, false, ["verify"]);
    var held = await subtle.verify(
      { name: "Ed25519" }, publicKey, line.signature, new TextEncoder().encode(line.message));
    if (!held) return { kind: "bad", reason: "signature", line: line, key: key };
    if (key.office !== line.office) return { kind: "bad", reason: "other_office", line: line, key: key };
    // Zero-padded Jalali dates compare as text.
    if (line.date < key.from || (key.until && line.date > key.until)) {
      return { kind: "bad", reason: "key_dates", line: line, key: key };
    }
    return { kind: "ok", reason: "signed", line: line, key: key, demo: key.fingerprint === DEMO_FINGERPRINT };
  }

  return {
    REGISTRY_FORMAT: REGISTRY_FORMAT,
    parseLine: parseLine,
    readRegistry: readRegistry,
    hasEd25519: hasEd25519,
    verdict: verdict,
    toman: toman,
    persianDigits: persianDigits,
    NotALine: NotALine,
  };
})();

if (typeof module !== "undefined") module.exports = PishkhanCheck;

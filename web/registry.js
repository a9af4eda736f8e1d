// The guild's registry of office keys, for verify.html beside it: public keys only.
// Made by `pishkhan key registry REGISTRY.toml --format js`; do not edit by hand.
window.PISHKHAN_REGISTRY = {
  "format": "pishkhan-key-registry/1",
  "keys": [
    {
      "fingerprint": "934d6e1fa557ae49",
      "office": "37-1234",
      "name": "دفتر پیشخوان خدمات دولت ۱۲۳۴ قم",
      "public": "978a432e55153740be9266e8a5538feb74bd632089d8c2c94323ccd457165e11",
      "from": "1402/01/01",
      "until": null
    }
  ]
};

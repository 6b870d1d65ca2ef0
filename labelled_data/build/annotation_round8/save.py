import json, sys, os
# Round 8 (a copy of round 6's save.py that refuses to overwrite an existing doc_id).
# usage: python3 save.py doc_id kind la title url publisher published visit_date  < text
a = sys.argv[1:]
doc_id, kind, la, title, url, publisher, published, visit_date = a
text = sys.stdin.read()
if text.endswith("\n"): text = text[:-1]
news = kind == "news" and publisher not in ("LGA",) and not publisher.endswith("Council")
lic = "Crown copyright, Open Government Licence v3.0"
if kind == "news" and (publisher.endswith("Council") or "gov" in url.split('/')[2]):
    lic = "Crown copyright, Open Government Licence v3.0"
elif kind == "news":
    lic = "Copyright the publisher; short excerpt kept for non-commercial research annotation with its source URL"
d = {"doc_id": doc_id, "kind": kind, "local_authority": la, "title": title or None, "url": url,
     "publisher": publisher, "published": published if published != "null" else None,
     "visit_date": visit_date if visit_date != "null" else None, "licence": lic,
     "retrieved": "2026-12-07 (round 8) from the search tool's stored copy of the page", "text": text}
p = f"/work/collect8/documents/{doc_id}.json"
if os.path.exists(p):
    sys.exit(f"EXISTS {p}: choose another doc_id (nothing written)")
json.dump(d, open(p, "w"), ensure_ascii=False, indent=1)
print("saved", doc_id, len(text), text.count('. '))

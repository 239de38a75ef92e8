"""Answers the image lookups by name and the tag purge are tested with (area ``names``).

Glance reads ``op:value`` in the ``name`` filter, so names holding a colon
show what an unquoted filter does (another image, or HTTP 400) and what the
one-item ``in:`` list does (exactly the image). An image whose tags were set
in its create request keeps tags no tag path can name: deleting them answers
404 and leaves them in place.
"""

from urllib.parse import urlencode

from recorder import Recorder

NAMES = ("rec-gold", "eq:rec-gold", "rec-gold:v1", "a,b:c", 'say "hi": now')


def listing(**query):
    return "/v2/images?" + urlencode({**query, "limit": 1000})


def main():
    rec = Recorder("names")
    for name in NAMES:
        rec.create_image("alpha", name, upload=False)
    stray = rec.create_image("alpha", "rec-stray", tags=["a/b", "keep", "caf\u00e9", "old"],
                             upload=False)

    # The filter as sent before: an operator prefix picks another image, or fails.
    rec.call("GET", listing(name="eq:rec-gold"), "alpha", save="list_eq_unquoted")
    rec.call("GET", listing(name="rec-gold:v1"), "alpha", save="list_colon_400")
    # As a one-item list: exactly the image of that name.
    rec.call("GET", listing(name="in:eq:rec-gold"), "alpha", save="list_in_eq")
    rec.call("GET", listing(name="in:rec-gold:v1"), "alpha", save="list_in_colon")
    rec.call("GET", listing(name='in:"a,b:c"'), "alpha", save="list_in_quoted")
    # No filter value says a name with a colon and a double quote: list them all.
    rec.call("GET", listing(), "alpha", save="list_all")

    rec.call("GET", f"/v2/images/{stray}", "alpha", save="stray_get")
    rec.call("DELETE", f"/v2/images/{stray}/tags/a%2Fb", "alpha", save="tag_delete_slash_404")
    rec.call("DELETE", f"/v2/images/{stray}/tags/old", "alpha", save="tag_delete_old_204")


if __name__ == "__main__":
    main()

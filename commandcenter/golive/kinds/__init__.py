"""One module per kind of go-live data; ``commandcenter.golive.registry`` lists them."""

-- A product's photos, in order. `products.image` stays the cover (the first photo), so lists
-- need no join. Keys are a built-in picture name or `up:<content hash>` for an upload.
CREATE TABLE product_images (
    product_id BIGINT NOT NULL REFERENCES products (id),
    image TEXT NOT NULL,
    sort BIGINT NOT NULL,
    PRIMARY KEY (product_id, image)
);
INSERT INTO product_images (product_id, image, sort) SELECT id, image, 0 FROM products;

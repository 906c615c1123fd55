package dev.kiln.core.train.plot;

/**
 * An RGB image in memory with the few drawing operations a line chart needs: rectangles, lines
 * of a given thickness, and text in a small bitmap font.
 */
public final class Raster {

    private final int width;
    private final int height;
    private final int[] pixels;

    /** A {@code width × height} image filled with {@code background} (0xRRGGBB). */
    public Raster(int width, int height, int background) {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("raster " + width + "×" + height);
        }
        this.width = width;
        this.height = height;
        this.pixels = new int[width * height];
        java.util.Arrays.fill(pixels, background);
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /** The colour at (x, y), 0xRRGGBB. */
    public int get(int x, int y) {
        return pixels[y * width + x];
    }

    /** Sets a pixel; outside the image nothing happens. */
    public void set(int x, int y, int rgb) {
        if (x >= 0 && y >= 0 && x < width && y < height) {
            pixels[y * width + x] = rgb;
        }
    }

    public void fillRect(int x, int y, int w, int h, int rgb) {
        for (int j = y; j < y + h; j++) {
            for (int i = x; i < x + w; i++) {
                set(i, j, rgb);
            }
        }
    }

    /** A line from (x0, y0) to (x1, y1), {@code thickness} pixels wide (Bresenham, squared pen). */
    public void line(int x0, int y0, int x1, int y1, int thickness, int rgb) {
        int dx = Math.abs(x1 - x0);
        int dy = -Math.abs(y1 - y0);
        int sx = x0 < x1 ? 1 : -1;
        int sy = y0 < y1 ? 1 : -1;
        int error = dx + dy;
        int half = (thickness - 1) / 2;
        while (true) {
            fillRect(x0 - half, y0 - half, thickness, thickness, rgb);
            if (x0 == x1 && y0 == y1) {
                return;
            }
            int e2 = 2 * error;
            if (e2 >= dy) {
                error += dy;
                x0 += sx;
            }
            if (e2 <= dx) {
                error += dx;
                y0 += sy;
            }
        }
    }

    /** Text with its top-left corner at (x, y), each font pixel {@code scale} pixels square. */
    public void text(String text, int x, int y, int scale, int rgb) {
        for (int c = 0; c < text.length(); c++) {
            int[] rows = BitmapFont.glyph(text.charAt(c));
            for (int row = 0; row < rows.length; row++) {
                for (int col = 0; col < BitmapFont.WIDTH; col++) {
                    if ((rows[row] >> (BitmapFont.WIDTH - 1 - col) & 1) != 0) {
                        fillRect(x + col * scale, y + row * scale, scale, scale, rgb);
                    }
                }
            }
            x += BitmapFont.ADVANCE * scale;
        }
    }

    /** The width {@link #text} takes. */
    public static int textWidth(String text, int scale) {
        return text.length() * BitmapFont.ADVANCE * scale;
    }
}

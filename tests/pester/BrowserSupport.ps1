# Headless Chromium for the HTML deployment report: render a page to a PNG or its DOM, and decode the PNG (no
# System.Drawing on Linux) to count the pixels that are not white. Dot-source after TestSupport.ps1.

function Get-Chromium {
    Get-RequiredProgram -Candidates chromium, /usr/bin/chromium -Install 'apt-get install -y chromium'
}

function Invoke-Chromium {
    <#
      Runs headless Chromium once on $Url with $Arguments (--screenshot=…, --dump-dom …) and a private profile in
      $Directory; returns its standard output. Bounded: a run that outlives $TimeoutSeconds is stopped and throws.
    #>
    param([Parameter(Mandatory)] [string] $Url, [string[]] $Arguments = @(), [Parameter(Mandatory)] [string] $Directory,
          [int] $TimeoutSeconds = 120)
    $name = 'chromium-' + [guid]::NewGuid().ToString('N').Substring(0, 6)
    $all = @('--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-extensions',
             "--user-data-dir=$(Join-Path $Directory "$name-profile")") + $Arguments + $Url
    $process = Start-TestProcess -FilePath (Get-Chromium) -ArgumentList $all -Directory $Directory -Name $name
    if (-not $process.WaitForExit($TimeoutSeconds * 1000)) {
        Stop-TestProcess -Process $process
        throw "chromium did not finish within ${TimeoutSeconds}s: $((Get-Content (Join-Path $Directory "$name.err") -Tail 20) -join "`n")"
    }
    $process.WaitForExit()
    if ($process.ExitCode -ne 0) { throw "chromium exited $($process.ExitCode): $((Get-Content (Join-Path $Directory "$name.err") -Tail 20) -join "`n")" }
    Get-Content (Join-Path $Directory "$name.out") -Raw
}

if (-not ('DeployOpsTests.PngInk' -as [type])) {
    Add-Type -TypeDefinition @'
using System;
using System.IO;
using System.IO.Compression;

namespace DeployOpsTests
{
    /// <summary>Decodes an 8-bit, non-interlaced RGB/RGBA/grey PNG far enough to count non-white pixels.</summary>
    public static class PngInk
    {
        public static long[] Count(string path)
        {
            var data = File.ReadAllBytes(path);
            var signature = new byte[] { 137, 80, 78, 71, 13, 10, 26, 10 };
            for (var i = 0; i < 8; i++) if (data[i] != signature[i]) throw new InvalidDataException(path + " is not a PNG");
            int width = 0, height = 0, channels = 0;
            var idat = new MemoryStream();
            for (var pos = 8; pos < data.Length;)
            {
                var length = (data[pos] << 24) | (data[pos + 1] << 16) | (data[pos + 2] << 8) | data[pos + 3];
                var type = System.Text.Encoding.ASCII.GetString(data, pos + 4, 4);
                if (type == "IHDR")
                {
                    width = Int(data, pos + 8); height = Int(data, pos + 12);
                    int depth = data[pos + 16], colour = data[pos + 17], interlace = data[pos + 20];
                    channels = colour == 2 ? 3 : colour == 6 ? 4 : colour == 0 ? 1 : colour == 4 ? 2 : 0;
                    if (depth != 8 || channels == 0 || interlace != 0)
                        throw new NotSupportedException("PNG depth " + depth + ", colour type " + colour + ", interlace " + interlace);
                }
                else if (type == "IDAT") idat.Write(data, pos + 8, length);
                pos += 12 + length;
            }
            idat.Position = 0;
            var raw = new MemoryStream();
            using (var z = new ZLibStream(idat, CompressionMode.Decompress)) z.CopyTo(raw);
            var bytes = raw.ToArray();
            int stride = width * channels;
            var previous = new byte[stride];
            var line = new byte[stride];
            long ink = 0;
            for (var y = 0; y < height; y++)
            {
                var offset = y * (stride + 1);
                var filter = bytes[offset];
                for (var x = 0; x < stride; x++)
                {
                    int a = x >= channels ? line[x - channels] : 0, b = previous[x], c = x >= channels ? previous[x - channels] : 0;
                    int v = bytes[offset + 1 + x];
                    switch (filter)
                    {
                        case 1: v += a; break;
                        case 2: v += b; break;
                        case 3: v += (a + b) / 2; break;
                        case 4: int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
                                v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c; break;
                    }
                    line[x] = (byte)v;
                }
                for (var x = 0; x < width; x++)
                {
                    var px = x * channels;
                    bool white = channels >= 3 ? line[px] > 245 && line[px + 1] > 245 && line[px + 2] > 245 : line[px] > 245;
                    if (!white) ink++;
                }
                var swap = previous; previous = line; line = swap;
            }
            return new long[] { width, height, ink };
        }

        private static int Int(byte[] d, int i) => (d[i] << 24) | (d[i + 1] << 16) | (d[i + 2] << 8) | d[i + 3];
    }
}
'@
}

function Get-PngInk([Parameter(Mandatory)] [string] $Path) {
    <# Width, Height and how many pixels are not (near) white: a blank page has none. #>
    $w, $h, $ink = [DeployOpsTests.PngInk]::Count($Path)
    [pscustomobject]@{ Width = $w; Height = $h; NonWhite = $ink; Fraction = $ink / [double]($w * $h) }
}

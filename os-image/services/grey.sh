# The grey service's code (Bob's code capsule; run in the grey image as sh /work/code):
# the PNG in /work/input turned to grey (ppmtopgm: luminance .299 R + .587 G + .114 B), as a PNG in /work/result.
set -e -o pipefail
pngtopnm /work/input | ppmtopgm | pnmtopng > /work/result

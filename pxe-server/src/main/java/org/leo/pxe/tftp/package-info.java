/**
 * A read-only TFTP server (RFC 1350) with option negotiation (RFC 2347), blksize (RFC 2348),
 * timeout and tsize (RFC 2349) and windowsize (RFC 7440), serving only what
 * {@link org.leo.pxe.boot.BootFiles} clears.
 *
 * <p>Layering follows Netty's codec-dns: {@link org.leo.pxe.tftp.TftpCodec} is a pure
 * {@code ByteBuf <-> message} translation, {@link org.leo.pxe.tftp.TftpServer} answers requests on the
 * well-known port and {@link org.leo.pxe.tftp.TftpTransfer} runs one transfer on its own socket
 * (its transfer identifier, RFC 1350 section 4) on the shared event loop group.
 *
 * <p>Decisions where the RFCs leave room:
 * <ul>
 *   <li>Option names are matched case-insensitively; when a client repeats an option, the first
 *       occurrence wins and later ones are ignored.</li>
 *   <li>Option values that are not decimal numbers, a {@code blksize} below 8, a {@code timeout}
 *       outside 1..255 or a {@code windowsize} outside 1..65535 end the request with ERROR 8
 *       (RFC 2347 option negotiation). A {@code blksize} above the configured maximum is clamped,
 *       as RFC 2348 lets the server answer with a smaller value.</li>
 *   <li>In {@code netascii} mode {@code tsize} reports the size after conversion (LF becomes
 *       CR LF, CR becomes CR NUL), which is exactly the number of bytes the client will receive.
 *       The transfer digest is then over the converted bytes (what went on the wire).</li>
 *   <li>{@code tsize} is not acknowledged for an empty file (the option is simply left out of the
 *       OACK, RFC 2347 allows it): curl rejects an OACK carrying {@code tsize 0}.</li>
 *   <li>An RRQ or WRQ that starts no transfer (refused, read-only, busy, bad option value, malformed
 *       request) is answered from a fresh ephemeral socket that is closed right after, as RFC 1350
 *       section 4 has the server reply from a new transfer identifier (commons-net rejects an error
 *       from port 69). Other packets to the well-known port (unknown opcodes, stray ACK or DATA) get
 *       ERROR 4 from port 69; an ERROR or a packet too short to hold an opcode gets no reply.</li>
 *   <li>A retransmitted RRQ starts a second transfer from another port; the client keeps the first
 *       one it hears from and answers the other with ERROR 5, which ends it (as with tftp-hpa).</li>
 *   <li>Block numbers wrap from 65535 to 0 (as tftp-hpa does), so files beyond
 *       65535 blocks can be served.</li>
 *   <li>Packets from the client other than ACK and ERROR on a transfer socket are ignored and
 *       counted as malformed; packets from any other address or port get ERROR 5.</li>
 * </ul>
 */
package org.leo.pxe.tftp;

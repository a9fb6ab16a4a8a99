package org.leo.agent.task;

import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.StreamType;
import java.io.ByteArrayOutputStream;

/**
 * The guest's stdout and stderr as the attach delivers them: the first {@code max} bytes of each are
 * kept, the rest only counted, so a guest that writes without end costs the agent {@code 2 * max}
 * bytes of heap.
 */
final class GuestOutput extends ResultCallback.Adapter<Frame> {
    private final int max;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private long outTotal;
    private long errTotal;

    GuestOutput(int max) {
        this.max = max;
    }

    @Override
    public void onNext(Frame frame) {
        byte[] p = frame.getPayload();
        if (p == null) {
            return;
        }
        synchronized (this) {
            if (frame.getStreamType() == StreamType.STDERR) {
                errTotal += p.length;
                keep(err, p);
            } else if (frame.getStreamType() == StreamType.STDOUT || frame.getStreamType() == StreamType.RAW) {
                outTotal += p.length;
                keep(out, p);
            }
        }
    }

    private void keep(ByteArrayOutputStream to, byte[] p) {
        int room = max - to.size();
        if (room > 0) {
            to.write(p, 0, Math.min(room, p.length));
        }
    }

    synchronized Result.Output stdout() {
        return new Result.Output(out.toByteArray(), outTotal);
    }

    synchronized Result.Output stderr() {
        return new Result.Output(err.toByteArray(), errTotal);
    }
}

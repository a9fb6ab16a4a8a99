/** The attestation server on the Pi: enrollment, challenges, appraisal, actions, the event log and the Pi's TPM. */
package org.leo.attest;

// claimgate in a Mirth Connect / Open Integration Engine channel: the source transformer
// (JavaScript step) of a channel whose source receives X12 837 (data type Raw, or X12 with
// "Serialize" off so that msg is the text as received). docs/plugins.md shows the install
// (claimgate.jar and the JNA jar in custom-lib, libclaimgate.so on the server) and the channel
// settings: destination "To payer" sends ${accepted837}; the source responds with
// claimgate_ack (Source -> Response: "claimgate_ack").
//
// One ClaimGate per server, shared by every channel thread (it is thread-safe): kept in the
// globalMap under "claimgate", created on first use from the configuration in the
// configurationMap entry "claimgate.config" (JSON, server keys; empty for the defaults).

var gate = globalMap.get('claimgate');
if (gate == null) {
  var config = configurationMap.containsKey('claimgate.config') ? String(configurationMap.get('claimgate.config')) : null;
  gate = new Packages.org.claimgate.ClaimGate(config);
  globalMap.put('claimgate', gate);
}

// The 837 as received (msg is a string for the Raw data type); the sender is the inbound
// connection's trading partner when the channel knows it (selects rules.by_sender).
var bytes = new java.lang.String(msg).getBytes('UTF-8');
var sender = sourceMap.containsKey('tradingPartner') ? String(sourceMap.get('tradingPartner')) : null;
var options = JSON.stringify({ sender: sender, source: 'mirth-' + String(channelId) });
var result = gate.validate(bytes, options);

// The verdict for the message browser, the routing and any later step.
channelMap.put('claimgate_claims', result.claims());
channelMap.put('claimgate_accepted', result.accepted());
channelMap.put('claimgate_rejected', result.rejected());
channelMap.put('claimgate_report', result.reportJson());

// Accepted claims go to one destination: the re-enveloped 837 (one interchange per payer).
var accepted = '';
var forwards = result.forwards();
for (var i = 0; i < forwards.size(); i++) {
  accepted += forwards.get(i).bodyString();
}
channelMap.put('accepted837', accepted);
if (accepted.length > 0) {
  destinationSet.removeAllExcept(['To payer']);
} else {
  destinationSet.removeAll();
}

// The answer to the sender: the 999 (TA1 first when the envelope is bad) and the 277CA.
responseMap.put('claimgate_ack', ResponseFactory.getSentResponse(result.ack()));
if (!result.allAccepted()) {
  logger.warn('claimgate: ' + result.rejected() + ' of ' + result.claims() + ' claims rejected, '
      + result.inputErrors() + ' input errors');
}

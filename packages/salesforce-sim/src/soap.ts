// SOAP partner API: only login() and logout(), the calls a provisioning connector makes.

const XML_ENTITIES: Record<string, string> = { '&lt;': '<', '&gt;': '>', '&amp;': '&', '&quot;': '"', '&apos;': "'" };

export function xmlUnescape(text: string): string {
  return text.replace(/&(lt|gt|amp|quot|apos);/g, (m) => XML_ENTITIES[m] ?? m);
}

export function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The text of the first element with a local name, whatever its namespace prefix. */
export function elementText(xml: string, localName: string): string | undefined {
  const m = new RegExp(`<(?:[\\w.-]+:)?${localName}(?:\\s[^>]*)?>([^<]*)</(?:[\\w.-]+:)?${localName}>`).exec(xml);
  return m ? xmlUnescape(m[1]!) : undefined;
}

/** Which SOAP call a request body makes (the local name of the first element inside Body). */
export function soapCall(xml: string): string | undefined {
  const body = /<(?:[\w.-]+:)?Body(?:\s[^>]*)?>\s*<(?:[\w.-]+:)?([\w]+)/.exec(xml);
  return body?.[1];
}

const ENVELOPE_OPEN =
  '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" ' +
  'xmlns="urn:partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">';

/** A SOAP fault as the partner API sends it (HTTP 500): `sf:CODE` and `CODE: message`. */
export function soapFault(code: string, message: string, faultType = 'UnexpectedErrorFault'): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" ' +
    'xmlns:sf="urn:fault.partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
    '<soapenv:Body><soapenv:Fault>' +
    `<faultcode>sf:${code}</faultcode><faultstring>${xmlEscape(`${code}: ${message}`)}</faultstring>` +
    `<detail><sf:${faultType} xsi:type="sf:${faultType}"><sf:exceptionCode>${code}</sf:exceptionCode>` +
    `<sf:exceptionMessage>${xmlEscape(message)}</sf:exceptionMessage></sf:${faultType}></detail>` +
    '</soapenv:Fault></soapenv:Body></soapenv:Envelope>'
  );
}

export interface LoginResultXml {
  baseUrl: string;
  version: string;
  orgId: string;
  sessionId: string;
  sandbox: boolean;
  sessionSecondsValid: number;
  user: Record<string, unknown>;
  orgName: string;
}

/** The loginResponse envelope (LoginResult with userInfo). */
export function loginResponse(r: LoginResultXml): string {
  const u = r.user;
  const text = (v: unknown): string => xmlEscape(String(v ?? ''));
  const org15 = r.orgId.slice(0, 15);
  return (
    `${ENVELOPE_OPEN}<soapenv:Body><loginResponse><result>` +
    `<metadataServerUrl>${r.baseUrl}/services/Soap/m/${r.version}/${org15}</metadataServerUrl>` +
    '<passwordExpired>false</passwordExpired>' +
    `<sandbox>${r.sandbox}</sandbox>` +
    `<serverUrl>${r.baseUrl}/services/Soap/u/${r.version}/${org15}</serverUrl>` +
    `<sessionId>${text(r.sessionId)}</sessionId>` +
    `<userId>${text(u['Id'])}</userId>` +
    '<userInfo>' +
    '<accessibilityMode>false</accessibilityMode>' +
    `<currencySymbol>$</currencySymbol><orgAttachmentFileSizeLimit>5242880</orgAttachmentFileSizeLimit>` +
    `<orgDefaultCurrencyIsoCode>USD</orgDefaultCurrencyIsoCode><orgDisallowHtmlAttachments>false</orgDisallowHtmlAttachments>` +
    `<orgHasPersonAccounts>false</orgHasPersonAccounts>` +
    `<organizationId>${r.orgId}</organizationId><organizationMultiCurrency>false</organizationMultiCurrency>` +
    `<organizationName>${text(r.orgName)}</organizationName>` +
    `<profileId>${text(u['ProfileId'])}</profileId><roleId xsi:nil="true"/>` +
    `<sessionSecondsValid>${r.sessionSecondsValid}</sessionSecondsValid>` +
    `<userDefaultCurrencyIsoCode xsi:nil="true"/><userEmail>${text(u['Email'])}</userEmail>` +
    `<userFullName>${text(u['Name'])}</userFullName><userId>${text(u['Id'])}</userId>` +
    `<userLanguage>${text(u['LanguageLocaleKey'])}</userLanguage><userLocale>${text(u['LocaleSidKey'])}</userLocale>` +
    `<userName>${text(u['Username'])}</userName><userTimeZone>${text(u['TimeZoneSidKey'])}</userTimeZone>` +
    `<userType>${text(u['UserType'])}</userType><userUiSkin>Theme3</userUiSkin>` +
    '</userInfo></result></loginResponse></soapenv:Body></soapenv:Envelope>'
  );
}

export function logoutResponse(): string {
  return `${ENVELOPE_OPEN}<soapenv:Body><logoutResponse/></soapenv:Body></soapenv:Envelope>`;
}
